"""Wiring only: a deployment's history ends when its execution ends, whoever ended it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from deploy import services
from task_manager.models import TaskExecution


@receiver(post_save, sender=TaskExecution, dispatch_uid="deploy.history_follows_execution")
def history_follows_execution(
    sender: Any, instance: TaskExecution, raw: bool = False, **_: Any
) -> None:
    if raw or instance.module != "deploy" or not instance.is_finished:
        return  # the common case costs no query: progress saves of running executions
    services.deployment_sync_from_execution(execution=instance)
