"""The "Deploy VM" template launches like POST /api/deploy/deployments/ does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from deploy import services
from deploy.api.serializers import DeploymentCreateSerializer
from deploy.api.throttles import DeployLaunchThrottle
from task_manager.models import TaskExecution, TaskTemplate


def launch_from_template(
    *, user: User, params: dict[str, Any], template: TaskTemplate
) -> TaskExecution:
    """Registered for deploy.deploy_vm: same rate limit, validation and history."""
    DeployLaunchThrottle().check_user(user)
    serializer = DeploymentCreateSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    history = services.deployment_create(
        user=user, params=dict(serializer.validated_data), template=template
    )
    assert history.execution is not None
    return history.execution
