"""Wiring only: a deployment's history ends when its execution ends, whoever ended it."""

from __future__ import annotations

from deploy import services
from task_manager.models import TaskExecution


def history_follows_execution(execution: TaskExecution) -> None:
    """Registered with task_manager.hooks.on_execution_finished (DeployConfig.ready)."""
    if execution.module == "deploy":  # the other modules' executions cost no query
        services.deployment_sync_from_execution(execution=execution)
