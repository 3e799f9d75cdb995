from django.apps import AppConfig


class TaskManagerConfig(AppConfig):
    name = "task_manager"
    verbose_name = "Task manager"

    def ready(self) -> None:
        from task_manager import signals  # noqa: F401 - connects the Celery signal receivers
