"""Wiring only: the signals of Django's tasks framework to the services, so that every
django.tasks task is tracked like a Celery task.

`django.tasks` is built into Django from 6.0; before, the django-tasks backport provides the
same API and signals. Its three signals carry a TaskResult: `task_enqueued` makes the
execution (kind "django", task_id the TaskResult.id, backend its TASKS alias; PENDING),
`task_started` holds its start like a Celery worker's (task_manager.held_starts) with the
worker id (the db_worker's), `task_finished` ends it through the same write path: live
events, notifications, rollups and failures need nothing of their own.

A receiver never fails the task it watches: what goes wrong here is logged. The one
exception is on purpose: a task whose cancel was asked before a worker took it raises
TaskCancelled from `task_started`, so that the database backend's worker records it as
failed without running its body, and the execution ends REVOKED.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

from task_manager import events
from task_manager.connections import on_fresh_connection
from task_manager.held_starts import defer_start
from task_manager.lifecycle import (
    enqueuing_user,
    execution_finish,
    execution_register_published,
)
from task_manager.models import ExecutionKind, ExecutionStatus, TaskExecution
from task_manager.signals import json_safe
from task_manager.tracking import TaskCancelled, take_context_reporter

if find_spec("django.tasks"):  # Django 6.0 and later
    from django.tasks import signals as task_signals  # type: ignore[import-not-found,unused-ignore]
else:
    from django_tasks import signals as task_signals  # type: ignore[no-redef,unused-ignore]

logger = logging.getLogger(__name__)

CANCELLED_PATH = f"{TaskCancelled.__module__}.{TaskCancelled.__qualname__}"
SUCCESSFUL = "SUCCESSFUL"


def connect() -> None:
    """Connect the receivers (the task manager app's ready())."""
    task_signals.task_enqueued.connect(on_task_enqueued, dispatch_uid="taskpulse-enqueued")
    task_signals.task_started.connect(on_task_started, dispatch_uid="taskpulse-started")
    task_signals.task_finished.connect(on_task_finished, dispatch_uid="taskpulse-finished")


def on_task_enqueued(sender: Any = None, task_result: Any = None, **_: Any) -> None:
    _logged("enqueued", lambda: execution_register_task_result(task_result))


def on_task_started(sender: Any = None, task_result: Any = None, **_: Any) -> None:
    task_id = str(task_result.id)
    cancel_requested = _logged("started", lambda: _start(task_result))
    if cancel_requested:
        raise TaskCancelled(f"execution of task {task_id} was cancelled before it started")


def on_task_finished(sender: Any = None, task_result: Any = None, **_: Any) -> None:
    _logged("finished", lambda: on_fresh_connection(lambda: _finish(task_result)))
    # The last events of a task must leave before the worker takes the next one.
    events.publisher.flush()


def execution_register_task_result(task_result: Any) -> TaskExecution:
    """The execution of an enqueued task (PENDING); the one it has if it was made already."""
    task = task_result.task
    path, user_id = str(task.module_path), enqueuing_user()
    execution = execution_register_published(
        task_id=str(task_result.id), task_name=path, args=list(task_result.args),
        kwargs=dict(task_result.kwargs), queue=str(task.queue_name),
        user_id=user_id, name=path, module=path.split(".", 1)[0],
        kind=ExecutionKind.DJANGO, backend=str(task_result.backend),
    )  # fmt: skip
    if user_id is not None and execution.user_id is None:
        # The database backend commits its row before task_enqueued: a db_worker may have
        # started the task, and made its execution without the user, before this receiver.
        TaskExecution.objects.filter(pk=execution.pk, user__isnull=True).update(user_id=user_id)
        execution.user_id = user_id
    return execution


def _start(task_result: Any) -> bool:
    """Hold the start (written with the first report, or one interval later); whether a
    cancel was asked before it started."""
    task_id = str(task_result.id)
    execution = TaskExecution.objects.filter(task_id=task_id).only("pk", "cancel_requested_at")
    found = execution.first() or execution_register_task_result(task_result)
    if found.cancel_requested_at is not None:
        return True
    worker_ids = list(task_result.worker_ids)
    defer_start(task_id, worker=str(worker_ids[-1]) if worker_ids else "",
                attempt=max(len(worker_ids), 1))  # fmt: skip
    return False


def _finish(task_result: Any) -> None:
    """End the execution as the task ended; what its progress reporter held goes first."""
    task_id = str(task_result.id)
    reporter = take_context_reporter(task_id)
    if str(task_result.status) == SUCCESSFUL:
        if reporter is not None:
            reporter.flush()
        execution_finish(task_id, ExecutionStatus.SUCCESS,
                         result=json_safe(task_result.return_value))  # fmt: skip
        return
    error = task_result.errors[-1] if task_result.errors else None
    if error is not None and error.exception_class_path == CANCELLED_PATH:
        if reporter is not None:
            reporter.discard()
        execution_finish(task_id, ExecutionStatus.REVOKED)
        return
    if reporter is not None:
        reporter.flush()
    traceback = error.traceback if error is not None else ""
    execution_finish(task_id, ExecutionStatus.FAILURE, error=error_line(traceback, error),
                     traceback=traceback)  # fmt: skip


def error_line(traceback: str, error: Any) -> str:
    """`ValueError: message`: the last line of the traceback (the class path without one)."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    if lines:
        return lines[-1].strip()
    return str(error.exception_class_path) if error is not None else "Failed"


def _logged(what: str, receive: Callable[[], Any]) -> Any:
    """Run a receiver's work; an error is logged, never raised into the task's worker."""
    try:
        return receive()
    except Exception:
        logger.exception("taskpulse: tracking a django.tasks task %s failed", what)
        return None
