from django.apps import AppConfig


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = "EDI invoice import"

    def ready(self) -> None:
        # Every process (web, workers, recovery) must know how an import ends once its
        # last file has: that is declared on the import task (tracking_info reads it).
        from edi import tasks  # noqa: F401 - the tasks' hooks
        from edi.hooks import files_follow_executions
        from edi.services import FILE_TASK, IMPORT_TASK, RETRY_REFUSAL
        from task_manager.hooks import on_execution_finished
        from task_manager.retries import refuse_retry

        on_execution_finished(files_follow_executions)
        refuse_retry(IMPORT_TASK, RETRY_REFUSAL)
        refuse_retry(FILE_TASK, RETRY_REFUSAL)
