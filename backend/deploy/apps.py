from django.apps import AppConfig


class DeployConfig(AppConfig):
    name = "deploy"
    verbose_name = "VM deployments"

    def ready(self) -> None:
        from deploy import checks  # noqa: F401 - registers the check
        from deploy.api.launchers import launch_from_template
        from deploy.hooks import history_follows_execution
        from deploy.services import TASK_NAME
        from task_manager.hooks import on_execution_finished
        from task_manager.launchers import register_launcher

        register_launcher(TASK_NAME, launch_from_template)
        on_execution_finished(history_follows_execution)
