"""Launching, sending and cancelling executions: what users, templates and recovery ask.

A launch creates the execution first and sends its message once the transaction commits;
if the broker is down the execution stays PENDING, unsent, and recovery sends it later. A
launch beyond its user's turns waits, unsent, until an earlier one ends (task_manager.turns). A
cancel is cooperative first (a queued task is revoked and never starts; a running one stops
at its next report), then, for staff past a grace period, a forced terminate.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from celery import Task, uuid
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.celery import app as celery_app
from task_manager import steps, turns
from task_manager.lifecycle import finish_locked, tracking_info
from task_manager.models import ExecutionKind, ExecutionStatus, TaskExecution, TaskTemplate
from task_manager.writes import announce_created, execution_lock, execution_set_status

logger = logging.getLogger(__name__)
S = ExecutionStatus

# On the messages of executions that exist before their send (execution_launch, fan_out):
# publishing them registers nothing.
REGISTERED_HEADER = "taskpulse_registered"
BROKER_DOWN_MESSAGE = "Waiting for the broker; will be queued when it is back"


class ExecutionFinished(Exception):
    """The execution has already finished (cancel of a finished execution: HTTP 409)."""


class CancelNotAllowed(Exception):
    """A force-terminate asked before the grace period is over, or by a non-staff user."""


def execution_launch(
    *,
    task: Task | str,
    user: User | None,
    args: list[Any] | None = None,
    kwargs: dict[str, Any] | None = None,
    title: str = "",
    template: TaskTemplate | None = None,
    parent: TaskExecution | None = None,
    options: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> TaskExecution:
    """Create the execution now and send the task once the transaction commits.

    If the broker is down, the execution stays PENDING with no `queued_at`, and recovery
    sends it as soon as the broker is back: a launch is never lost.
    """
    task_name = task if isinstance(task, str) else task.name
    info = tracking_info(task_name)
    module = info.get("module") or task_name.split(".", 1)[0]
    with transaction.atomic():
        wait = _wait_reason(user, module, parent)
        execution = TaskExecution.objects.create(
            task_id=uuid(), task_name=task_name, name=info.get("name", task_name),
            module=module, title=title or info.get("title", ""), user=user, template=template,
            parent=parent, params=params, args=list(args or []), kwargs=dict(kwargs or {}),
            queue=routed_queue(task_name, options), message=wait or turns.ADMITTED_MESSAGE,
            admitted_at=None if wait else timezone.now(),
            steps=steps.planned(info.get("steps")),
        )  # fmt: skip
        if parent is not None:
            TaskExecution.objects.filter(pk=parent.pk).update(
                children_count=F("children_count") + 1
            )
    # Robust: once committed, nothing may turn the launch's answer into an error.
    transaction.on_commit(lambda: announce_created(execution), robust=True)
    if wait is None:
        transaction.on_commit(lambda: _send_launched(execution, options or {}), robust=True)
    return execution


def _wait_reason(user: User | None, module: str, parent: TaskExecution | None) -> str | None:
    user_id = user.pk if user is not None else None
    parent_id = parent.pk if parent is not None else None
    if not turns.takes_turns(user_id=user_id, module=module, parent_id=parent_id):
        return None
    assert user_id is not None
    return turns.wait_reason(user_id=user_id, module=module)


def execution_pass_turn(execution: TaskExecution) -> None:
    """Finished hook: an execution that held a turn passes it to the user's oldest waiting
    launches of its module, sent once the end commits."""
    if execution.admitted_at is None or execution.user_id is None:
        return  # it waited and never ran (cancelled): it held no turn
    if turns.takes_turns(user_id=execution.user_id, module=execution.module,
                         parent_id=execution.parent_id):  # fmt: skip
        _send_on_commit(turns.admit_waiting(user_id=execution.user_id, module=execution.module))


def executions_admit_waiting() -> int:
    """Recovery: admit what waits while a turn is free (a lost end, a changed setting)."""
    admitted = 0
    for user_id, module in turns.waiting_groups():
        with transaction.atomic():
            chosen = turns.admit_waiting(user_id=user_id, module=module)
            _send_on_commit(chosen)
        admitted += len(chosen)
    return admitted


def _send_on_commit(executions: list[TaskExecution]) -> None:
    for execution in executions:
        transaction.on_commit(functools.partial(execution_send, execution.pk), robust=True)


def _send_launched(execution: TaskExecution, options: dict[str, Any]) -> None:
    """Send a committed launch; the launcher's copy then says whether it went."""
    execution_send(execution.pk, options)
    execution.refresh_from_db(fields=["queued_at", "message"])


def routed_queue(task_name: str, options: dict[str, Any] | None) -> str:
    """The queue the task's message goes to: the one asked for, else Celery's routes (the
    default queue when none matches), so the Queues page counts the execution under it."""
    queue = celery_app.amqp.router.route(dict(options or {}), task_name).get("queue")
    return str(getattr(queue, "name", queue) or celery_app.conf.task_default_queue)


def execution_waits_for_broker(execution: TaskExecution) -> bool:
    """A launch stored but not sent (the broker did not take it): recovery sends it later,
    and the launch answers 202 "will be sent"."""
    return execution.queued_at is None and execution.message == BROKER_DOWN_MESSAGE


def execution_send(execution_id: int, options: dict[str, Any] | None = None) -> bool:
    """Send (or re-send) an execution's message; False when the broker did not take it.

    The execution is stored before its send: whatever stops the send, the execution stays
    PENDING with no `queued_at` for recovery to send, and the caller still answers (a launch
    answers 202 "will be sent", never a 500 for work it has committed). A broker that does
    not answer fails the send within CELERY_BROKER_CONNECTION_TIMEOUT; no result-backend
    call is made (the execution keeps the result: Celery's copy is never read), so its
    reconnect loop (20 tries, 1 s apart) never holds a launch up.
    """
    execution = TaskExecution.objects.get(pk=execution_id)
    options = dict(options or {})
    if execution.queue:
        options.setdefault("queue", execution.queue)
    if execution.template is not None and execution.template.time_limit:
        options.setdefault("time_limit", execution.template.time_limit)
    try:
        celery_app.send_task(
            execution.task_name, args=execution.args, kwargs=execution.kwargs,
            task_id=execution.task_id, retry=False, ignore_result=True,
            headers={REGISTERED_HEADER: "1"}, **options,
        )  # fmt: skip
    except Exception as exc:  # the broker's own errors and whatever else stopped the send
        logger.warning("broker unreachable, %s stays PENDING for recovery: %r", execution, exc)
        TaskExecution.objects.filter(pk=execution_id).update(message=BROKER_DOWN_MESSAGE)
        return False
    TaskExecution.objects.filter(pk=execution_id).update(queued_at=timezone.now())
    return True


def execution_cancel(execution: TaskExecution, *, by: User, force: bool = False) -> str:
    """Ask an execution to stop; returns "REVOKED" (never started) or "cancelling".

    Cooperative first: a queued task is revoked and never starts; a running one sees the
    request at its next progress call or check_cancelled(). Staff may force-terminate a
    task that ignores the request once the grace period is over.
    """
    with transaction.atomic():
        execution = execution_lock(execution.pk)
        if execution.is_finished:
            raise ExecutionFinished(f"execution {execution.pk} is already {execution.status}")
        now = timezone.now()
        if force:
            return _force_terminate(execution, by=by, now=now)
        if execution.cancel_requested_at is None:
            execution.cancel_requested_at = now
            execution.save(update_fields=["cancel_requested_at", "updated_at"])
        if execution.status == S.PENDING and _dequeue(execution):
            finish_locked(execution, S.REVOKED, message="Cancelled before it started")
            return S.REVOKED
        execution_set_status(execution, execution.status, message="Cancelling...")
        return "cancelling"


def _dequeue(execution: TaskExecution) -> bool:
    """Keep a queued task from starting: a Celery message is revoked; a django.tasks task
    of the database backend loses its row, unless a db_worker took it already (then it is
    running: it stops cooperatively, or before its body when the cancel came first)."""
    if execution.kind == ExecutionKind.CELERY:
        celery_app.control.revoke(execution.task_id)
        return True
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(id=execution.task_id, backend_name=execution.backend)
    try:
        ids = list(rows.filter(status="READY").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True))  # fmt: skip
    except ValidationError:
        return False  # not an id of the database backend: another backend holds it
    if ids:
        return DBTaskResult.objects.filter(pk__in=ids).delete()[0] > 0
    # No row at all, of a database backend here: it was pruned, and nothing will run it.
    return _is_database_backend(execution.backend) and not rows.exists()


def _is_database_backend(alias: str) -> bool:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.compat import InvalidTaskBackend, task_backends

    try:
        return isinstance(task_backends[alias], DatabaseBackend)
    except InvalidTaskBackend:
        return False


def _force_terminate(execution: TaskExecution, *, by: User, now: datetime) -> str:
    grace = settings.TASKPULSE_CANCEL_GRACE_SECONDS
    if not getattr(by, "is_staff", False):
        raise CancelNotAllowed("only staff may force-terminate a task")
    if execution.kind != ExecutionKind.CELERY:
        raise CancelNotAllowed("a django.tasks task stops only at its next progress report")
    asked = execution.cancel_requested_at
    if asked is None or (now - asked).total_seconds() < grace:
        raise CancelNotAllowed(f"cancel first; force is allowed {grace}s after the request")
    celery_app.control.revoke(execution.task_id, terminate=True, signal="SIGTERM")
    finish_locked(execution, S.REVOKED, message="Terminated by staff")
    return S.REVOKED


def execution_is_cancel_requested(execution_id: int) -> bool:
    return TaskExecution.objects.filter(pk=execution_id, cancel_requested_at__isnull=False).exists()
