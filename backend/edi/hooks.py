"""Wiring only: files follow their executions when something else than the file task
ended them (recovery giving up after a lost worker, a cancel before the import started)."""

from __future__ import annotations

from edi import services
from task_manager.models import TaskExecution

WATCHED = frozenset({services.IMPORT_TASK, services.FILE_TASK})


def files_follow_executions(execution: TaskExecution) -> None:
    """Registered with task_manager.hooks.on_execution_finished (EdiConfig.ready)."""
    if execution.task_name in WATCHED:  # other executions cost no query
        services.files_sync_from_execution(execution=execution)
