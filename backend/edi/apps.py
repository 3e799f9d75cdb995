from django.apps import AppConfig


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = "EDI invoice import"

    def ready(self) -> None:
        # Every process (web, workers, recovery) must know how an import ends once its
        # last file has: that is declared on the import task (tracking_info reads it).
        from edi import tasks  # noqa: F401 - the tasks' hooks
        from edi.hooks import files_follow_executions
        from edi.services import FILE_TASK, IMPORT_TASK, import_retry
        from task_manager.hooks import on_execution_finished
        from task_manager.retries import register_retrier

        on_execution_finished(files_follow_executions)
        register_retrier(IMPORT_TASK, import_retry)
        register_retrier(FILE_TASK, import_retry)
