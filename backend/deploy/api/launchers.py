"""The "Deploy VM" template launches, and a deployment retries, like POST
/api/deploy/deployments/ does: same rate limit, validation and history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from deploy import services
from deploy.api.serializers import DeploymentCreateSerializer
from deploy.api.throttles import DeployLaunchThrottle
from deploy.models import DeploymentHistory
from deploy.payloads import deployment_params
from task_manager.models import TaskExecution, TaskTemplate
from task_manager.tracking import RetryNotAllowed


def launch_from_template(
    *, user: User, params: dict[str, Any], template: TaskTemplate
) -> TaskExecution:
    """Registered launcher of deploy.deploy_vm."""
    return _launch(user=user, params=params, template=template)


def retry_deployment(*, execution: TaskExecution, user: User) -> TaskExecution:
    """Registered retrier of deploy.deploy_vm: a new deployment with the same params."""
    history = DeploymentHistory.objects.filter(execution_id=execution.pk).first()
    if history is None:
        raise RetryNotAllowed("Its deployment record is gone: launch a new deployment.")
    return _launch(user=user, params=deployment_params(history), template=execution.template)


def _launch(*, user: User, params: dict[str, Any], template: TaskTemplate | None) -> TaskExecution:
    DeployLaunchThrottle().check_user(user)
    serializer = DeploymentCreateSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    history = services.deployment_create(
        user=user, params=dict(serializer.validated_data), template=template
    )
    assert history.execution is not None
    return history.execution
