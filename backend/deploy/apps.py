from django.apps import AppConfig


class DeployConfig(AppConfig):
    name = "deploy"
    verbose_name = "VM deployments"

    def ready(self) -> None:
        from deploy import checks, signals  # noqa: F401 - registers the check and the receiver
        from deploy.api.launchers import launch_from_template
        from deploy.services import TASK_NAME
        from task_manager.launchers import register_launcher

        register_launcher(TASK_NAME, launch_from_template)
