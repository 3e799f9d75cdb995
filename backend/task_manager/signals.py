"""Wiring only: Celery's signals to the services, so that every task is tracked.

A task's start is held back one coalescing interval (task_manager.held_starts). What a worker
writes here lands on a new database connection when the task's own was dropped
(task_manager.connections): an end written nowhere would leave the execution running.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import signals
from celery.exceptions import WorkerLostError
from django.db import close_old_connections

from task_manager import events
from task_manager.broker import broker_redelivers_on_disconnect
from task_manager.connections import on_fresh_connection
from task_manager.held_starts import defer_start, execution_flush_start
from task_manager.launching import REGISTERED_HEADER
from task_manager.lifecycle import (
    execution_finish,
    execution_mark_retry,
    execution_register_published,
    tracking_info,
)
from task_manager.models import ExecutionStatus
from task_manager.tracking import TaskCancelled

logger = logging.getLogger(__name__)

# Internal periodic jobs are not user work: they get no execution row.
UNTRACKED_PREFIXES = ("celery.", "task_manager.recover_executions", "task_manager.purge_old",
                      "edi.purge_old")  # fmt: skip
USER_HEADER = "taskpulse_user_id"


def is_tracked(task_name: str | None) -> bool:
    return bool(task_name) and not str(task_name).startswith(UNTRACKED_PREFIXES)


@signals.before_task_publish.connect
def on_before_task_publish(
    sender: str | None = None, headers: dict[str, Any] | None = None, body: Any = None,
    routing_key: str = "", properties: dict[str, Any] | None = None, **_: Any,
) -> None:  # fmt: skip
    if properties is not None and broker_redelivers_on_disconnect():
        # RabbitMQ reports a queue's head message's timestamp (its management API): the
        # queue views' oldest age. Celery sets none; whole seconds, as AMQP has them.
        properties.setdefault("timestamp", int(time.time()))
    headers = headers or {}
    if not is_tracked(sender) or headers.get("retries") or headers.get(REGISTERED_HEADER):
        return
    args, kwargs = message_arguments(body)
    info = tracking_info(str(sender))
    execution_register_published(
        task_id=headers["id"], task_name=str(sender), args=args, kwargs=kwargs,
        queue=routing_key or "", user_id=headers.get(USER_HEADER), name=info.get("name"),
        module=info.get("module"), title=info.get("title"),
    )  # fmt: skip


@signals.task_prerun.connect
def on_task_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    close_old_connections()
    if task is None or not is_tracked(task.name):
        return
    worker, attempt = task.request.hostname or "", (task.request.retries or 0) + 1
    on_fresh_connection(lambda: defer_start(task_id, worker=worker, attempt=attempt))


@signals.task_success.connect
def on_task_success(sender: Any = None, result: Any = None, **_: Any) -> None:
    if sender is None or not is_tracked(sender.name):
        return
    task_id, result = sender.request.id, json_safe(result)
    on_fresh_connection(lambda: execution_finish(task_id, ExecutionStatus.SUCCESS, result=result))


@signals.task_failure.connect
def on_task_failure(
    task_id: str = "", exception: BaseException | None = None, einfo: Any = None,
    sender: Any = None, **_: Any,
) -> None:  # fmt: skip
    if sender is None or not is_tracked(sender.name):
        return
    if isinstance(exception, TaskCancelled):
        on_fresh_connection(lambda: execution_finish(task_id, ExecutionStatus.REVOKED))
        return
    if isinstance(exception, WorkerLostError):
        return  # the message is re-queued (task_reject_on_worker_lost); recovery watches it
    error = f"{type(exception).__name__}: {exception}"
    on_fresh_connection(lambda: execution_finish(
        task_id, ExecutionStatus.FAILURE, error=error, traceback=str(einfo or "")
    ))  # fmt: skip


@signals.task_retry.connect
def on_task_retry(request: Any = None, reason: Any = None, **_: Any) -> None:
    if request is None or not is_tracked(request.task):
        return
    on_fresh_connection(lambda: execution_mark_retry(request.id, reason=str(reason)))


@signals.task_revoked.connect
def on_task_revoked(request: Any = None, terminated: bool = False, **_: Any) -> None:
    if request is None or not is_tracked(request.task):
        return
    message = "Terminated" if terminated else "Cancelled before it started"
    on_fresh_connection(lambda: execution_finish(request.id, ExecutionStatus.REVOKED,
                                                 message=message))  # fmt: skip


@signals.task_postrun.connect
def on_task_postrun(task_id: str = "", **_: Any) -> None:
    # A start that no end took (the task raised Ignore) is written as it would have been.
    on_fresh_connection(lambda: execution_flush_start(task_id))
    # The last events of a task must leave before the worker takes the next one.
    events.publisher.flush()
    close_old_connections()


@signals.worker_ready.connect
def on_worker_ready(**_: Any) -> None:
    from task_manager.tasks import recover_executions

    recover_executions.delay()


def message_arguments(body: Any) -> tuple[list[Any], dict[str, Any]]:
    """(args, kwargs) of a protocol-2 message body: (args, kwargs, embed)."""
    if isinstance(body, list | tuple) and len(body) >= 2:
        return list(body[0]), dict(body[1])
    return [], {}


def json_safe(value: Any) -> Any:
    """A result as JSON can store it (Celery results may hold anything JSON-serializable)."""
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
