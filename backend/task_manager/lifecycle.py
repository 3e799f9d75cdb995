"""An execution's life after its launch, from Celery's signals and the tracking API:
registered when its message is sent, its progress reports, a retry, and its end, with the
owner's notification and the apps' finished hooks (task_manager.hooks); a fan-out's child
is counted on its parent, which ends after its last child.

Every write goes through task_manager.writes on the locked row; a start held back for the
execution (task_manager.held_starts) is taken and saved with the first of them.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.celery import app as celery_app
from task_manager import hooks, steps
from task_manager.compiled import CompiledCreate
from task_manager.held_starts import Start, held_starts, start_fields, start_locked
from task_manager.models import ExecutionKind, ExecutionStatus, TaskExecution
from task_manager.notifications import notify_finished
from task_manager.rules import (
    MESSAGE_MAX,
    Applied,
    Change,
    ChildrenOutcome,
    children_default_outcome,
    finish_message,
    waiting_for_children,
)
from task_manager.writes import (
    announce_created,
    execution_end_returning,
    execution_lock,
    execution_lock_by_task_id,
    execution_lock_row,
    execution_set_status,
    save_change,
)

S = ExecutionStatus


def tracking_info(task_name: str) -> dict[str, Any]:
    """What @track_task declared for a registered task (name, module, title, steps, hooks)."""
    task = celery_app.tasks.get(task_name)
    if task is None:
        import_task_modules()  # a web process launching a task it has not imported yet
        task = celery_app.tasks.get(task_name)
    return dict(getattr(getattr(task, "run", None), "taskpulse", None) or {})


@functools.cache
def import_task_modules() -> None:
    """Celery's autodiscovery of `<app>.tasks` in this process (a worker does it at start)."""
    celery_app.loader.import_default_modules()


_enqueuing_user: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "taskpulse_enqueuing_user", default=None
)


@contextlib.contextmanager
def enqueued_by(user: User | None) -> Iterator[None]:
    """The django.tasks tasks enqueued inside belong to `user` (their notifications and
    who sees them), as a Celery task launched for a user does.

        with enqueued_by(request.user):
            import_rows.enqueue(path)
    """
    token = _enqueuing_user.set(user.pk if user is not None else None)
    try:
        yield
    finally:
        _enqueuing_user.reset(token)


def enqueuing_user() -> int | None:
    """The id of the user of enqueued_by() around this enqueue (None outside one)."""
    return _enqueuing_user.get()


def execution_register_published(
    *,
    task_id: str,
    task_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    queue: str,
    user_id: int | None = None,
    parent: TaskExecution | None = None,
    name: str | None = None,
    module: str | None = None,
    title: str | None = None,
    kind: str = ExecutionKind.CELERY,
    backend: str = "",
) -> TaskExecution:
    """A message was sent (or a django.tasks task enqueued): the execution exists from now
    on, PENDING until a worker starts it.

    A child (fan-out) belongs to its parent's user.
    """
    owner = {"user_id": user_id} if parent is None else {"user": parent.user, "parent": parent}
    # Inside the caller's transaction, a savepoint keeps a duplicate from breaking it;
    # outside one, the INSERT is its own transaction (one statement, no BEGIN and COMMIT).
    guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        # Insert first: a new task (a plain .delay()) is the common case here; the messages of
        # rows made beforehand carry launching.REGISTERED_HEADER and do not come here (signals).
        with guard:
            execution = _create_execution.create(
                task_id=task_id, task_name=task_name, name=name or task_name,
                module=module or task_name.split(".", 1)[0], title=title or "",
                args=args, kwargs=kwargs, queue=queue, queued_at=timezone.now(),
                steps=_planned_steps(task_name, kind), kind=kind, backend=backend, **owner,
            )  # fmt: skip
    except IntegrityError:
        # Made by execution_launch or fan_out: execution_send sets its queued_at once the
        # broker has the message (not here, before the send may fail).
        return TaskExecution.objects.get(task_id=task_id)
    transaction.on_commit(lambda: announce_created(execution))
    return execution


_create_execution = CompiledCreate(TaskExecution)


def _planned_steps(task_name: str, kind: str) -> list[dict[str, Any]]:
    """The step names a Celery task declared with @track_task(steps=...)."""
    if kind != ExecutionKind.CELERY:
        return []
    return steps.planned(tracking_info(task_name).get("steps"))


def execution_apply(execution_id: int, change: Change) -> Applied:
    """Record a progress change and its log lines: one transaction, one seq per change.

    A start held back for the execution goes first, with its own seq (STARTED, then the
    change), in the same UPDATE.
    """
    with transaction.atomic():
        execution = execution_lock_row(execution_id)
        started = start_locked(execution, held_starts.take(execution.task_id))
        cancel_requested = execution.cancel_requested_at is not None
        if execution.is_finished:
            return Applied(execution, cancel_requested)
        if execution.status == S.STARTED and change.status is None and not change.is_empty():
            change.status = S.PROGRESS
        save_change(execution, change, started)
    return Applied(execution, cancel_requested)


def execution_mark_retry(task_id: str, *, reason: str) -> None:
    with transaction.atomic():
        execution = execution_lock_by_task_id(task_id)
        if execution is None:
            return
        fields = start_fields(execution, held_starts.take(task_id))
        fields["attempt"] = fields.get("attempt", execution.attempt) + 1
        execution_set_status(execution, S.RETRY, message=f"Retrying: {reason}", **fields)


def execution_finish(
    task_id: str,
    status: str,
    *,
    result: Any = None,
    error: str = "",
    traceback: str = "",
    message: str | None = None,
) -> None:
    """End an execution (SUCCESS, FAILURE or REVOKED), notify, and advance its parent.

    A running execution that waits for no children ends in one UPDATE ... RETURNING (the
    end of nearly every task: one statement); any other reads its locked row first.
    """
    with transaction.atomic():
        start = held_starts.take(task_id)
        ended = _end_at_once(task_id, status, result=result, error=error, traceback=traceback,
                             message=message, start=start)  # fmt: skip
        if ended is not None:
            _finished(ended, status)
            return
        execution = execution_lock_by_task_id(task_id)
        if execution is None or execution.is_finished:
            return
        if status == S.SUCCESS and waiting_for_children(execution):
            execution.result = result
            execution.save(update_fields=[*start_locked(execution, start), "result", "updated_at"])
            return
        finish_locked(execution, status, result=result, error=error, traceback=traceback,
                      message=message, start=start)  # fmt: skip


def _end_at_once(
    task_id: str, status: str, *, result: Any, error: str, traceback: str,
    message: str | None, start: Start | None,
) -> TaskExecution | None:  # fmt: skip
    """finish_locked's fields, written by one UPDATE ... RETURNING (None: no row matched)."""
    now = timezone.now()
    fields = _end_fields(status, now, result=result, error=error, traceback=traceback)
    fields["message"] = (message or finish_message(status, error))[:MESSAGE_MAX]
    started_at = None if status == S.REVOKED else now
    start_values: dict[str, Any] = {}
    if start is not None:
        start_values = {"worker": start.worker, "attempt": start.attempt, "owner": start.owner}
        started_at = start.started_at  # a row that may not start keeps its own, or has one
    return execution_end_returning(task_id, status, fields, start=start_values,
                                   started_at=started_at)  # fmt: skip


def _end_fields(
    status: str, now: datetime, *, result: Any, error: str, traceback: str
) -> dict[str, Any]:
    """What an end sets besides its status, message and start."""
    fields: dict[str, Any] = {"finished_at": now, "error": error[:10_000],
                              "traceback": traceback[:50_000]}  # fmt: skip
    if result is not None:
        fields["result"] = result
    if status == S.SUCCESS:
        fields["progress"] = 100.0
    return fields


def finish_locked(
    execution: TaskExecution,
    status: str,
    *,
    result: Any = None,
    error: str = "",
    traceback: str = "",
    message: str | None = None,
    start: Start | None = None,
) -> None:
    """End a locked execution; a start not written yet is saved with the end, in its seq."""
    fields = _end_fields(status, timezone.now(), result=result, error=error, traceback=traceback)
    fields.update(start_fields(execution, start))
    if execution.started_at is None and status != S.REVOKED:
        fields.setdefault("started_at", fields["finished_at"])
    if message is None:
        message = finish_message(status, error)
    if execution_set_status(execution, status, message=message, **fields):
        _finished(execution, status)
    else:
        _notify_and_advance(execution, status)


def _finished(execution: TaskExecution, status: str) -> None:
    """An execution has just ended (in this transaction): the apps' hooks, its owner's
    notification, its parent's count."""
    hooks.execution_finished(execution)
    _notify_and_advance(execution, status)


def _notify_and_advance(execution: TaskExecution, status: str) -> None:
    notify_finished(execution)
    if execution.parent_id is not None:
        _advance_parent(execution.parent_id, status=status)


def _advance_parent(parent_id: int, *, status: str) -> None:
    """A child finished: count it on the parent (and its failures in children_failed), and
    finish the parent after the last one."""
    parent = execution_lock(parent_id)
    counted = []
    if status == S.FAILURE:
        parent.children_failed += 1
        counted.append("children_failed")
    if parent.is_finished:
        if counted:
            parent.save(update_fields=counted)
        return
    failed = status != S.SUCCESS
    change = Change(processed_delta=0 if failed else 1, failed_delta=1 if failed else 0)
    if parent.status == S.PENDING:
        change.status = S.PROGRESS
    save_change(parent, change, counted)
    if parent.waits_for_children and not waiting_for_children(parent):
        outcome = children_outcome(parent)
        finish_locked(parent, outcome.status, error=outcome.error, message=outcome.message)


def children_outcome(parent: TaskExecution) -> ChildrenOutcome:
    """The parent task's own verdict if it declared one; else FAILURE if any child failed."""
    decide = tracking_info(parent.task_name).get("on_children_done")
    if decide is not None:
        return cast(ChildrenOutcome, decide(parent))
    return children_default_outcome(parent)
