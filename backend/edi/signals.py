"""Wiring only: files follow their executions when something else than the file task
ended them (recovery giving up after a lost worker, a cancel before the import started)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from edi import services
from task_manager.models import TaskExecution

WATCHED = frozenset({services.IMPORT_TASK, services.FILE_TASK})


@receiver(post_save, sender=TaskExecution, dispatch_uid="edi.files_follow_executions")
def files_follow_executions(
    sender: Any, instance: TaskExecution, raw: bool = False, **_: Any
) -> None:
    if raw or instance.task_name not in WATCHED or not instance.is_finished:
        return  # the common case costs no query: saves of running or other executions
    services.files_sync_from_execution(execution=instance)
