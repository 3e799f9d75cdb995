"""The deployment task: a thin shell around deploy.services.deployment_run."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from deploy import services
from deploy.steps import STEPS
from task_manager.tracking import ProgressReporter, track_task


@shared_task(bind=True, name=services.TASK_NAME)
@track_task(services.TASK_NAME, module="deploy", title="Deploy VM",
            steps=[each.title for each in STEPS])  # fmt: skip
def deploy_vm(self: Any, history_id: int, *, progress: ProgressReporter) -> dict[str, Any]:
    """Deploy the VM of a DeploymentHistory; transient provider errors back off and retry."""
    try:
        return services.deployment_run(
            history_id=history_id, progress=progress, attempt=self.request.retries + 1
        )
    except services.RetryLater as later:
        raise self.retry(exc=later, countdown=later.countdown,
                         max_retries=services.MAX_RETRIES) from None  # fmt: skip
