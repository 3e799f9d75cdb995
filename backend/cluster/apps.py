from django.apps import AppConfig


class ClusterConfig(AppConfig):
    name = "cluster"
    verbose_name = "Celery cluster"

    def ready(self) -> None:
        from cluster import signals  # noqa: F401 - paused queues at a worker's start
