"""Hooks for other apps: what they run when an execution ends, without watching every save.

    # in an AppConfig.ready()
    on_execution_finished(history_follows_execution)

A callback gets the execution just moved to SUCCESS, FAILURE or REVOKED, whoever ended it
(its task, a cancel, recovery), inside the transaction that ends it and holding its row:
what it writes commits, or rolls back, with the end.
"""

from __future__ import annotations

from collections.abc import Callable

from task_manager.models import TaskExecution

FinishedCallback = Callable[[TaskExecution], None]

_finished: list[FinishedCallback] = []


def on_execution_finished(callback: FinishedCallback) -> FinishedCallback:
    """Run `callback(execution)` whenever an execution reaches a final status (once each)."""
    if callback not in _finished:
        _finished.append(callback)
    return callback


def execution_finished(execution: TaskExecution) -> None:
    """Called by the write path when an execution has just reached a final status."""
    for callback in _finished:
        callback(execution)
