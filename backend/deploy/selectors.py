"""Reads of deployments: who sees what."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from deploy.models import DeploymentHistory


def deployment_visible_to(*, user: User) -> QuerySet[DeploymentHistory]:
    """Staff see every deployment; a user sees their own. Anything else is a 404."""
    queryset = DeploymentHistory.objects.select_related("user", "execution", "execution__user")
    if getattr(user, "is_staff", False):
        return queryset
    return queryset.filter(user_id=user.pk)


def deployment_list(*, user: User, status: str | None = None) -> QuerySet[DeploymentHistory]:
    queryset = deployment_visible_to(user=user)
    return queryset.filter(status=status) if status else queryset


def deployment_by_task_id(*, user: User, task_id: str) -> DeploymentHistory | None:
    return deployment_visible_to(user=user).filter(celery_task_id=task_id).first()
