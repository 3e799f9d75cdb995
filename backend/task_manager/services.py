"""Writes to executions: every change goes through here, gets its seq, and is pushed.

Each change runs in one transaction that holds the execution's row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialize writers), so that concurrent updates of
one record (the children of a fan-out advancing their parent) never lose an increment and
`seq` grows by exactly one per change. Only the fields a change sets are saved. Events are
published after the commit, so a client never sees a state that the database does not have.

A worker's start may be held back (tracking holds it one coalescing interval): the next
write of that execution in the same process (a report, its end, a retry) takes it from
`held_starts` while it holds the row and saves it in the same transaction; a task that ends
within the interval is written once, never STARTED. Tracking's flusher writes the start of
a task that runs longer (execution_flush_start).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from celery import Task
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from task_manager import events
from task_manager.models import (
    ExecutionStatus,
    LogLevel,
    NotificationLevel,
    TaskExecution,
    TaskLogLine,
    TaskNotification,
    TaskTemplate,
)
from task_manager.payloads import log_event, notification_event, progress_event, status_event

logger = logging.getLogger(__name__)

S = ExecutionStatus
# Which status may follow which; a finished execution never changes status again.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.STARTED, S.PROGRESS, S.RETRY, S.SUCCESS, S.FAILURE, S.REVOKED}),
    S.STARTED: frozenset({S.PROGRESS, S.RETRY, S.SUCCESS, S.FAILURE, S.REVOKED, S.PENDING}),
    S.PROGRESS: frozenset({S.RETRY, S.SUCCESS, S.FAILURE, S.REVOKED, S.PENDING}),
    S.RETRY: frozenset({S.STARTED, S.PROGRESS, S.SUCCESS, S.FAILURE, S.REVOKED, S.PENDING}),
    S.SUCCESS: frozenset(),
    S.FAILURE: frozenset(),
    S.REVOKED: frozenset(),
}
MESSAGE_MAX = 500


class ExecutionFinished(Exception):
    """The execution has already finished (cancel of a finished execution: HTTP 409)."""


class CancelNotAllowed(Exception):
    """A force-terminate asked before the grace period is over, or by a non-staff user."""


def can_transition(current: str, new: str) -> bool:
    return new == current or new in TRANSITIONS[current]


@dataclass
class Change:
    """Fields a task reports; None means unchanged. Deltas add to the stored counters."""

    status: str | None = None
    progress: float | None = None
    current_step: int | None = None
    total_steps: int | None = None
    message: str | None = None
    total_items: int | None = None
    processed_items: int | None = None
    failed_items: int | None = None
    processed_delta: int = 0
    failed_delta: int = 0
    logs: list[tuple[datetime, str, str]] = field(default_factory=list)

    def merge(self, newer: Change) -> None:
        """Fold a newer change into this one (coalescing: the last value wins, deltas add)."""
        for name in ("status", "progress", "current_step", "total_steps", "message",
                     "total_items", "processed_items", "failed_items"):  # fmt: skip
            value = getattr(newer, name)
            if value is not None:
                setattr(self, name, value)
        if newer.processed_items is not None:
            self.processed_delta = 0
        if newer.failed_items is not None:
            self.failed_delta = 0
        self.processed_delta += newer.processed_delta
        self.failed_delta += newer.failed_delta
        self.logs.extend(newer.logs)

    def is_empty(self) -> bool:
        return self == Change()


@dataclass
class Applied:
    execution: TaskExecution
    cancel_requested: bool


@dataclass(frozen=True)
class Start:
    """A worker began to run a task (what task_prerun knows), written now or a little later."""

    worker: str
    attempt: int
    started_at: datetime


class HeldStarts:
    """Starts not written yet, by task id, in this process (see the module docstring).

    Taken only while the execution's row is locked, so that the flusher and the task's own
    write never both save one start, and neither loses it.
    """

    def __init__(self) -> None:
        self._reset()
        # A forked worker child starts empty, with a lock no thread of its parent holds.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._starts: dict[str, Start] = {}

    def hold(self, task_id: str, start: Start) -> None:
        with self._lock:
            self._starts[task_id] = start

    def holds(self, task_id: str, start: Start | None = None) -> bool:
        """Whether a start (this one, if given) is held for the task."""
        held = self._starts.get(task_id)
        return held is not None and (start is None or held is start)

    def take(self, task_id: str, start: Start | None = None) -> Start | None:
        """Remove and return the held start (only if it is `start`, when given)."""
        with self._lock:
            if not self.holds(task_id, start):
                return None
            return self._starts.pop(task_id)


held_starts = HeldStarts()


# --- the one write path ---------------------------------------------------------------


def locked_execution(execution_id: int) -> TaskExecution:
    return (
        TaskExecution.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=execution_id)
    )


def apply_fields(execution: TaskExecution, change: Change) -> list[str]:
    """Apply a change to a locked row; return the names of the fields that moved."""
    before = {f: getattr(execution, f) for f in PROGRESS_FIELDS}
    for name in ("current_step", "total_steps", "total_items", "processed_items", "failed_items"):
        value = getattr(change, name)
        if value is not None:
            setattr(execution, name, max(0, int(value)))
    execution.processed_items += change.processed_delta
    execution.failed_items += change.failed_delta
    if change.message is not None:
        execution.message = change.message[:MESSAGE_MAX]
    execution.progress = max(execution.progress, clamp(next_progress(execution, change)))
    if change.status is not None and can_transition(execution.status, change.status):
        execution.status = change.status
    return [f for f in PROGRESS_FIELDS if getattr(execution, f) != before[f]]


PROGRESS_FIELDS = ("status", "progress", "current_step", "total_steps", "message",
                   "total_items", "processed_items", "failed_items")  # fmt: skip


def next_progress(execution: TaskExecution, change: Change) -> float:
    """Explicit percent first, then items done of total, then the step reached."""
    if change.progress is not None:
        return change.progress
    counters_moved = (
        change.processed_delta
        or change.failed_delta
        or any(
            value is not None
            for value in (change.total_items, change.processed_items, change.failed_items)
        )
    )
    if counters_moved and execution.total_items:
        done = execution.processed_items + execution.failed_items
        return 100.0 * done / execution.total_items
    if change.current_step is not None and execution.total_steps:
        return 100.0 * (execution.current_step - 1) / execution.total_steps
    return execution.progress


def clamp(value: float) -> float:
    return round(min(100.0, max(0.0, float(value))), 2)


def execution_apply(execution_id: int, change: Change) -> Applied:
    """Record a progress change and its log lines: one transaction, one seq per change.

    A start held back for the execution goes first, with its own seq (STARTED, then the
    change), in the same UPDATE.
    """
    with transaction.atomic():
        execution = locked_execution(execution_id)
        started = start_locked(execution, held_starts.take(execution.task_id))
        cancel_requested = execution.cancel_requested_at is not None
        if execution.is_finished:
            return Applied(execution, cancel_requested)
        if execution.status == S.STARTED and change.status is None and not change.is_empty():
            change.status = S.PROGRESS
        moved = apply_fields(execution, change)
        state_seq = None
        if moved:
            execution.seq += 1
            state_seq = execution.seq
        lines = new_log_lines(execution, change.logs)
        if started or moved or lines:
            execution.save(update_fields=[*started, *moved, "seq", "updated_at"])
        if moved or lines:
            TaskLogLine.objects.bulk_create(lines)
            announce(execution, state_seq, lines, status_changed="status" in moved)
    return Applied(execution, cancel_requested)


def new_log_lines(
    execution: TaskExecution, logs: Iterable[tuple[datetime, str, str]]
) -> list[TaskLogLine]:
    lines = []
    for ts, level, message in logs:
        execution.seq += 1
        lines.append(
            TaskLogLine(
                execution=execution, seq=execution.seq, ts=ts,
                level=level if level in LogLevel.values else LogLevel.INFO, message=message,
            )
        )  # fmt: skip
    return lines


def announce(
    execution: TaskExecution,
    state_seq: int | None,
    lines: list[TaskLogLine],
    *,
    status_changed: bool,
) -> None:
    """Publish what changed once the transaction commits."""
    messages: list[tuple[list[str], dict[str, Any]]] = []
    audience = events.execution_audience(execution.user_id)
    if state_seq is not None:
        build = status_event if status_changed else progress_event
        messages.append((audience, build(execution, state_seq)))
    if lines:
        messages.append(([events.execution_group(execution.pk)], log_event(execution.pk, lines)))

    def send() -> None:
        for groups, message in messages:
            events.publish(groups, message)

    transaction.on_commit(send)


def execution_set_status(
    execution: TaskExecution, status: str, *, message: str | None = None, **fields: Any
) -> bool:
    """Move a locked execution to a new status with extra fields; False if not allowed."""
    moved = move_status(execution, status, message=message, **fields)
    if moved:
        execution.save(update_fields=moved)
    return bool(moved)


def move_status(
    execution: TaskExecution, status: str, *, message: str | None = None, **fields: Any
) -> list[str]:
    """Set a status and fields on a locked row in memory, with a seq and its announce;
    returns the fields for the caller to save ([] when the transition is not allowed)."""
    if not can_transition(execution.status, status):
        return []
    fields["status"] = status
    if message is not None:
        fields["message"] = message[:MESSAGE_MAX]
    for name, value in fields.items():
        setattr(execution, name, value)
    execution.seq += 1
    announce(execution, execution.seq, [], status_changed=True)
    return [*fields, "seq", "updated_at"]


# --- lifecycle, from Celery's signals and the tracking API ----------------------------------

# On the messages of executions that exist before their send (execution_launch, fan_out):
# publishing them registers nothing.
REGISTERED_HEADER = "taskpulse_registered"


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
) -> TaskExecution:
    """A message was sent: the execution exists from now on, PENDING until a worker starts it.

    A child (fan-out) belongs to its parent's user.
    """
    owner = {"user_id": user_id} if parent is None else {"user": parent.user, "parent": parent}
    try:
        # Insert first: a new task (a plain .delay()) is the common case here; the messages of
        # rows made beforehand carry REGISTERED_HEADER and do not come here (signals).
        with transaction.atomic():
            execution = TaskExecution.objects.create(
                task_id=task_id, task_name=task_name, name=name or task_name,
                module=module or task_name.split(".", 1)[0], title=title or "",
                args=args, kwargs=kwargs, queue=queue, queued_at=timezone.now(), **owner,
            )  # fmt: skip
    except IntegrityError:
        # Made by execution_launch or fan_out: send_execution sets its queued_at once the
        # broker has the message (not here, before the send may fail).
        return TaskExecution.objects.get(task_id=task_id)
    transaction.on_commit(lambda: publish_status(execution))
    return execution


def publish_status(execution: TaskExecution) -> None:
    """Announce a row just created, as it is in memory (its user is read only if not known)."""
    events.publish(events.execution_audience(execution.user_id), status_event(execution))


def execution_mark_started(
    task_id: str, *, worker: str, attempt: int, started_at: datetime | None = None
) -> None:
    """STARTED now (started_at: when the worker really started it; default now)."""
    start = Start(worker=worker, attempt=attempt, started_at=started_at or timezone.now())
    with transaction.atomic():
        execution = lock_by_task_id(task_id)
        if execution is not None:
            save_start(execution, start)


def execution_flush_start(task_id: str, start: Start | None = None) -> None:
    """Write the start held for a task (this one, if given), unless a write took it already;
    then no query is made."""
    if not held_starts.holds(task_id, start):
        return
    with transaction.atomic():
        execution = lock_by_task_id(task_id)
        start = held_starts.take(task_id, start)
        if execution is not None and start is not None:
            save_start(execution, start)


def save_start(execution: TaskExecution, start: Start) -> None:
    if started := start_locked(execution, start):
        execution.save(update_fields=started)


def start_locked(execution: TaskExecution, start: Start | None) -> list[str]:
    """Move a locked row to STARTED in memory (a seq, announced after the commit); the
    fields to save, [] without a start or when STARTED may not follow the row's status."""
    fields = start_fields(execution, start)
    return move_status(execution, S.STARTED, **fields) if fields else []


def start_fields(execution: TaskExecution, start: Start | None) -> dict[str, Any]:
    """What a start sets: worker, attempt, and started_at unless an earlier attempt set it.
    Nothing when STARTED may not follow the row's status (a finished or running row)."""
    if start is None or not can_transition(execution.status, S.STARTED):
        return {}
    fields: dict[str, Any] = {"worker": start.worker, "attempt": start.attempt}
    if execution.started_at is None:
        fields["started_at"] = start.started_at
    return fields


def execution_mark_retry(task_id: str, *, reason: str) -> None:
    with transaction.atomic():
        execution = lock_by_task_id(task_id)
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
    """End an execution (SUCCESS, FAILURE or REVOKED), notify, and advance its parent."""
    with transaction.atomic():
        execution = lock_by_task_id(task_id)
        start = held_starts.take(task_id)
        if execution is None or execution.is_finished:
            return
        if status == S.SUCCESS and waiting_for_children(execution):
            execution.result = result
            execution.save(update_fields=[*start_locked(execution, start), "result", "updated_at"])
            return
        finish_locked(execution, status, result=result, error=error, traceback=traceback,
                      message=message, start=start)  # fmt: skip


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
    fields: dict[str, Any] = {"finished_at": timezone.now(), "error": error[:10_000],
                              "traceback": traceback[:50_000]}  # fmt: skip
    fields.update(start_fields(execution, start))
    if result is not None:
        fields["result"] = result
    if status == S.SUCCESS:
        fields["progress"] = 100.0
    if execution.started_at is None and status != S.REVOKED:
        fields.setdefault("started_at", fields["finished_at"])
    if message is None:
        message = default_finish_message(status, error)
    execution_set_status(execution, status, message=message, **fields)
    notify_finished(execution)
    if execution.parent_id is not None:
        advance_parent(execution.parent_id, failed=status != S.SUCCESS)


def default_finish_message(status: str, error: str) -> str:
    if status == S.SUCCESS:
        return "Completed"
    if status == S.REVOKED:
        return "Cancelled"
    return f"Failed: {error.splitlines()[0] if error else 'unknown error'}"


def waiting_for_children(execution: TaskExecution) -> bool:
    done = execution.processed_items + execution.failed_items
    return execution.waits_for_children and done < execution.total_items


def advance_parent(parent_id: int, *, failed: bool) -> None:
    """A child finished: count it on the parent, and finish the parent after the last one."""
    parent = locked_execution(parent_id)
    if parent.is_finished:
        return
    change = Change(processed_delta=0 if failed else 1, failed_delta=1 if failed else 0)
    if parent.status == S.PENDING:
        change.status = S.PROGRESS
    moved = apply_fields(parent, change)
    parent.seq += 1
    parent.save(update_fields=[*moved, "seq", "updated_at"])
    announce(parent, parent.seq, [], status_changed="status" in moved)
    if parent.waits_for_children and not waiting_for_children(parent):
        outcome = children_outcome(parent)
        finish_locked(parent, outcome.status, error=outcome.error, message=outcome.message)


class ChildrenOutcome(NamedTuple):
    """How a parent ends once its last child has: what @track_task(on_children_done=)
    returns, called with the locked parent inside the last child's transaction."""

    status: str
    message: str
    error: str = ""


def children_outcome(parent: TaskExecution) -> ChildrenOutcome:
    """The parent task's own verdict if it declared one; else FAILURE if any child failed."""
    decide = tracking_info(parent.task_name).get("on_children_done")
    if decide is not None:
        return cast(ChildrenOutcome, decide(parent))
    summary = f"{parent.total_items} finished, {parent.failed_items} failed"
    if parent.failed_items:
        error = f"{parent.failed_items} of {parent.total_items} child tasks failed"
        return ChildrenOutcome(S.FAILURE, summary, error)
    return ChildrenOutcome(S.SUCCESS, summary)


def lock_by_task_id(task_id: str) -> TaskExecution | None:
    return (
        TaskExecution.objects.select_for_update(of=("self",))
        .select_related("user", "template")
        .filter(task_id=task_id)
        .first()
    )


# --- notifications ----------------------------------------------------------------------

NOTIFICATION_LEVELS = {
    S.SUCCESS: NotificationLevel.SUCCESS,
    S.FAILURE: NotificationLevel.ERROR,
    S.REVOKED: NotificationLevel.WARNING,
}
NOTIFICATION_VERBS = {S.SUCCESS: "finished", S.FAILURE: "failed", S.REVOKED: "was cancelled"}


def notify_finished(execution: TaskExecution) -> None:
    """Tell the owner that their execution ended, unless its template opted out."""
    if execution.user_id is None or execution.parent_id is not None:
        return
    if execution.template is not None and not execution.template.notify_on_finish:
        return
    label = execution.title or execution.name
    notification = TaskNotification.objects.create(
        user_id=execution.user_id,
        execution=execution,
        level=NOTIFICATION_LEVELS[S(execution.status)],
        title=f"{label} {NOTIFICATION_VERBS[S(execution.status)]}",
        message=execution.message,
    )
    group = events.user_notifications_group(execution.user_id)
    transaction.on_commit(lambda: events.publish([group], notification_event(notification)))


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    queryset = TaskNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


# --- launching and cancelling -------------------------------------------------------------


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
    from celery import uuid

    task_name = task if isinstance(task, str) else task.name
    info = tracking_info(task_name)
    execution = TaskExecution.objects.create(
        task_id=uuid(), task_name=task_name, name=info.get("name", task_name),
        module=info.get("module") or task_name.split(".", 1)[0],
        title=title or info.get("title", ""), user=user, template=template, parent=parent,
        params=params,
        args=list(args or []), kwargs=dict(kwargs or {}),
        queue=(options or {}).get("queue", ""), message="Queued",
    )  # fmt: skip
    transaction.on_commit(lambda: publish_status(execution))
    transaction.on_commit(lambda: send_execution(execution.pk, options or {}))
    return execution


def tracking_info(task_name: str) -> dict[str, Any]:
    """What @track_task declared for a registered task (name, module, title, hooks)."""
    task = celery_app.tasks.get(task_name)
    return dict(getattr(getattr(task, "run", None), "taskpulse", None) or {})


def send_execution(execution_id: int, options: dict[str, Any] | None = None) -> bool:
    """Send (or re-send) an execution's message; False when the broker cannot be reached."""
    execution = TaskExecution.objects.get(pk=execution_id)
    options = dict(options or {})
    if execution.queue:
        options.setdefault("queue", execution.queue)
    if execution.template is not None and execution.template.time_limit:
        options.setdefault("time_limit", execution.template.time_limit)
    try:
        celery_app.send_task(
            execution.task_name, args=execution.args, kwargs=execution.kwargs,
            task_id=execution.task_id, retry=False, headers={REGISTERED_HEADER: "1"},
            **options,
        )  # fmt: skip
    except (BrokerError, OSError) as exc:
        logger.warning("broker unreachable, %s stays PENDING for recovery: %s", execution, exc)
        TaskExecution.objects.filter(pk=execution_id).update(
            message="Waiting for the broker; will be queued when it is back"
        )
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
        execution = locked_execution(execution.pk)
        if execution.is_finished:
            raise ExecutionFinished(f"execution {execution.pk} is already {execution.status}")
        now = timezone.now()
        if force:
            return force_terminate(execution, by=by, now=now)
        if execution.cancel_requested_at is None:
            execution.cancel_requested_at = now
            execution.save(update_fields=["cancel_requested_at", "updated_at"])
        if execution.status == S.PENDING:
            celery_app.control.revoke(execution.task_id)
            finish_locked(execution, S.REVOKED, message="Cancelled before it started")
            return S.REVOKED
        execution_set_status(execution, execution.status, message="Cancelling...")
        return "cancelling"


def force_terminate(execution: TaskExecution, *, by: User, now: datetime) -> str:
    grace = settings.TASKPULSE_CANCEL_GRACE_SECONDS
    if not getattr(by, "is_staff", False):
        raise CancelNotAllowed("only staff may force-terminate a task")
    asked = execution.cancel_requested_at
    if asked is None or (now - asked).total_seconds() < grace:
        raise CancelNotAllowed(f"cancel first; force is allowed {grace}s after the request")
    celery_app.control.revoke(execution.task_id, terminate=True, signal="SIGTERM")
    finish_locked(execution, S.REVOKED, message="Terminated by staff")
    return S.REVOKED


def execution_is_cancel_requested(execution_id: int) -> bool:
    return TaskExecution.objects.filter(pk=execution_id, cancel_requested_at__isnull=False).exists()
