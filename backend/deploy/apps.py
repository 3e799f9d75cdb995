from django.apps import AppConfig


class DeployConfig(AppConfig):
    name = "deploy"
    verbose_name = "VM deployments"

    def ready(self) -> None:
        from deploy import checks  # noqa: F401 - registers the check
        from deploy.api.launchers import launch_from_template, retry_deployment
        from deploy.hooks import history_follows_execution
        from deploy.services import TASK_NAME
        from task_manager.hooks import on_execution_finished
        from task_manager.launchers import register_launcher
        from task_manager.retries import register_retrier

        register_launcher(TASK_NAME, launch_from_template)
        register_retrier(TASK_NAME, retry_deployment)
        on_execution_finished(history_follows_execution)
