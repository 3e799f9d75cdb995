from django.apps import AppConfig


class TaskManagerConfig(AppConfig):
    name = "task_manager"
    verbose_name = "Task manager"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from config.sqlite_wal import checkpoint_in_background
        from task_manager import access, django_tasks, signals

        signals.on_task_prerun  # noqa: B018 - importing it connects the Celery receivers

        django_tasks.connect()
        access.connect()

        connection_created.connect(checkpoint_in_background)
        from task_manager.hooks import on_execution_finished
        from task_manager.launching import execution_pass_turn
        from task_manager.rollups import rollup_execution_finished

        on_execution_finished(execution_pass_turn)
        # The metrics rollup (task_manager.rollups): after the end commits.
        on_execution_finished(rollup_execution_finished)
