"""The tracking API for task authors.

    @shared_task(bind=True)
    @track_task("deploy.deploy_vm", module="deploy", title="Deploy VM",
                steps=["Connect to vCenter", "Clone VM from template", ...])
    def deploy_vm(self, history_id, *, progress):
        progress.step(1, 8, "Connecting to vCenter...")
        progress.log("connected")
        progress.items(total=120)
        progress.advance(processed=1, message="file 3 imported")
        progress.check_cancelled()

Reports are coalesced adaptively (task_manager.coalescing): a report after a quiet spell is
written and pushed at once, reports a few ms apart (TASKPULSE_PROGRESS_DEBOUNCE_MS) travel
together, and only a sustained burst is held to one database write and one push per
TASKPULSE_PROGRESS_INTERVAL_MS, counters summed and the last value of everything else kept;
a background flusher delivers the last state even when the task then goes quiet for long.

The start counts as a report: a worker's start is held back one interval and written with
the execution's first write (task_manager.held_starts), with the process that runs it: a
second copy of the message of a running task is dropped while that process runs it
(task_manager.owners). A task whose database connection the server dropped is retried
(DATABASE_RETRIES), not failed: the work was fine, the database was away.

Modules that launch and end executions themselves (deploy, edi) use what the second part
of `__all__` names, not the write path's internals.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from celery import Task, chord, group
from celery.canvas import Signature
from celery.exceptions import Ignore
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from task_manager import counters, selectors
from task_manager.broker import broker_redelivers_on_disconnect
from task_manager.coalescing import Coalescing
from task_manager.compiled import Compiled
from task_manager.connections import (
    TRANSIENT_DATABASE_ERRORS,
    drop_broken_connection,
    on_fresh_connection,
)
from task_manager.held_starts import flusher, held_starts
from task_manager.launching import (
    REGISTERED_HEADER,
    execution_is_cancel_requested,
    execution_launch,
    execution_waits_for_broker,
)
from task_manager.lifecycle import (
    enqueued_by,
    execution_apply,
    execution_finish,
    execution_register_published,
    tracking_info,
)
from task_manager.models import ExecutionKind, ExecutionStatus, LogLevel, TaskExecution
from task_manager.owners import execution_claim
from task_manager.retries import RetryNotAllowed
from task_manager.rules import Change, ChildrenOutcome
from task_manager.writes import execution_lock

F = TypeVar("F", bound=Callable[..., Any])
# A task whose database connection was lost is retried 3 times, after 2, 4 and 8 s.
DATABASE_RETRIES = 3
DATABASE_RETRY_SECONDS = 2.0

# For task authors (API.md).
__all__ = [
    "ProgressReporter", "TaskCancelled", "enqueued_by", "fan_out", "finish_task",
    "get_module_stats", "get_user_tasks", "progress_for", "start_task_tracking", "track_task",
    "update_task_progress",
]  # fmt: skip
# For modules that launch and end executions themselves (deploy, edi): launch one, apply a
# change at once, end one, and lock one's row to write beside it in the same transaction;
# whether a launch waits for the broker (answer 202); the database errors the tracking
# layer retries a task for (a module must not fail on them); the refusal of a retry.
__all__ += [
    "TRANSIENT_DATABASE_ERRORS", "Change", "ChildrenOutcome", "RetryNotAllowed", "execution_apply",
    "execution_finish", "execution_launch", "execution_lock", "execution_waits_for_broker",
]  # fmt: skip


class TaskCancelled(Exception):
    """Raised inside a task when its execution was asked to stop."""


class ProgressReporter:
    """What a tracked task reports through; passed to the task as `progress`."""

    def __init__(
        self, execution_id: int, *, interval: float | None = None, debounce: float | None = None
    ) -> None:
        self.execution_id = execution_id
        self._coalescing = Coalescing(
            settings.TASKPULSE_PROGRESS_INTERVAL_MS / 1000 if interval is None else interval,
            settings.TASKPULSE_PROGRESS_DEBOUNCE_MS / 1000 if debounce is None else debounce,
        )
        self._lock = threading.RLock()
        self._pending = Change()
        self._merged = 0  # reports merged into _pending, counted at its write
        self._scheduled: float | None = None  # when the pending change is due
        self._cancelled = False

    @property
    def interval(self) -> float:
        """Seconds: a sustained burst of reports is written once per interval (0: every one)."""
        return self._coalescing.interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        self._coalescing.interval = seconds

    # -- what task authors call --

    def step(self, current: int, total: int, message: str | None = None) -> None:
        """Step `current` of `total` has started (progress counts the steps before it).

        A step without a planned name is named by `message`."""
        mark = (current, timezone.now(), message)
        self.report(Change(current_step=current, total_steps=total, message=message,
                           step_marks=[mark]))  # fmt: skip

    def plan(self, names: Iterable[str]) -> None:
        """Name the task's steps up front (when they are known only at run time)."""
        names = [str(name) for name in names]
        self.report(Change(total_steps=len(names), step_plan=names))

    def percent(self, value: float, message: str | None = None) -> None:
        self.report(Change(progress=value, message=message))

    def message(self, text: str) -> None:
        self.report(Change(message=text))

    def items(
        self, *, total: int | None = None, processed: int | None = None, failed: int | None = None
    ) -> None:
        """Set item counters to absolute values."""
        self.report(Change(total_items=total, processed_items=processed, failed_items=failed))

    def advance(self, processed: int = 1, failed: int = 0, message: str | None = None) -> None:
        """Add to the item counters (safe when many tasks advance one record at once)."""
        self.report(Change(processed_delta=processed, failed_delta=failed, message=message))

    def log(self, message: str, level: str = LogLevel.INFO) -> None:
        self.report(Change(logs=[(timezone.now(), level.upper(), str(message))]))

    def check_cancelled(self) -> None:
        """Raise TaskCancelled if a cancel was asked (always asks the database)."""
        self.flush()
        if self._cancelled or execution_is_cancel_requested(self.execution_id):
            self._cancelled = True
            raise TaskCancelled()

    # -- machinery --

    def report(self, change: Change) -> None:
        if self._cancelled:
            raise TaskCancelled()
        with self._lock:
            if not self._pending.is_empty():  # merged: one write less (for /metrics)
                self._merged += 1
            self._pending.merge(change)
            now = time.monotonic()
            if self._scheduled is not None:
                self._coalescing.joined(now)  # it goes with the write already due
            elif (due := self._coalescing.due(now)) <= now:
                self.flush()
            else:
                self._scheduled = due
                flusher.schedule(functools.partial(self._flush_due, due), due)
        if self._cancelled:
            raise TaskCancelled()

    def _flush_due(self, due: float) -> None:
        """The flusher thread: write the change due then, unless it went out already."""
        with self._lock:
            if self._scheduled == due:
                self.flush()

    def flush(self) -> None:
        """Write what is pending now (the task thread or the flusher thread)."""
        with self._lock:
            self._scheduled = None
            change, self._pending = self._pending, Change()
            if self._merged:
                counters.counters.add("reports_coalesced", self._merged)
                self._merged = 0
            if change.is_empty():
                return  # nothing written: the next report may go out at once
            self._coalescing.wrote(time.monotonic())
            applied = execution_apply(self.execution_id, change)
            self._cancelled = self._cancelled or applied.cancel_requested

    def discard(self) -> None:
        """Drop what is pending (the task was cancelled: its last reports no longer matter)."""
        with self._lock:
            self._pending = Change()

    def fan_out(self, signatures: Iterable[Signature], *, callback: Signature | None = None) -> int:
        """Launch child tasks under this execution; it finishes when the last child does."""
        return fan_out(self.execution_id, signatures, callback=callback)


# --- the decorator ------------------------------------------------------------------------


def track_task(
    name: str | None = None, *, module: str = "", title: str = "",
    on_children_done: Callable[[TaskExecution], ChildrenOutcome] | None = None,
    on_worker_lost: str | None = None, steps: Iterable[str] | None = None,
) -> Callable[[F], F]:  # fmt: skip
    """Give a bound Celery task a `progress` reporter and tracking metadata.

    steps: the names of the task's steps, in order, stored on each execution as it is
    created (`progress.step(n, ...)` starts the n-th). on_children_done: after a fan-out,
    decides how the parent ends once its last child has (default: FAILURE if any child
    failed). on_worker_lost: "requeue" lets recovery send the
    task again when its worker died (for idempotent tasks without a template saying so).
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(task: Task, *args: Any, **kwargs: Any) -> Any:
            return _run_tracked(func, task, args, kwargs)

        info: dict[str, Any] = {"name": name or "", "module": module, "title": title}
        if on_children_done is not None:
            info["on_children_done"] = on_children_done
        if on_worker_lost is not None:
            info["on_worker_lost"] = on_worker_lost
        if steps is not None:
            info["steps"] = [str(step) for step in steps]
        wrapper.taskpulse = info  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _run_tracked(func: Callable[..., Any], task: Task, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Any:  # fmt: skip
    try:
        return _run(func, task, args, kwargs)
    except TRANSIENT_DATABASE_ERRORS as exc:
        # The database went away under the task: its work is not at fault, another try is.
        drop_broken_connection()
        retries = task.request.retries or 0
        raise task.retry(exc=exc, countdown=DATABASE_RETRY_SECONDS * 2**retries,
                         max_retries=DATABASE_RETRIES) from None  # fmt: skip


def _run(func: Callable[..., Any], task: Task, args: tuple[Any, ...],
         kwargs: dict[str, Any]) -> Any:  # fmt: skip
    execution = _ensure_execution(task)
    if execution.is_finished:
        # A redelivered message of work that already ended (e.g. after a worker crash).
        raise Ignore()
    if not execution_claim(execution, node=str(task.request.hostname or ""),
                           **redelivery(task)):  # fmt: skip
        # A second copy of the message of a task that another process runs (owners).
        held_starts.take(execution.task_id)
        raise Ignore()
    reporter = ProgressReporter(execution.pk)
    try:
        if execution.cancel_requested_at is not None:
            raise TaskCancelled()  # asked before the task started: its body never runs
        result = func(task, *args, progress=reporter, **kwargs)
        reporter.flush()
        return result
    except TaskCancelled:
        reporter.discard()
        execution_finish(str(task.request.id), ExecutionStatus.REVOKED)
        task.update_state(state="REVOKED")
        raise Ignore() from None
    except Exception:
        on_fresh_connection(reporter.flush)
        raise


def redelivery(task: Task) -> dict[str, Any]:
    """What the broker says of this delivery: on RabbitMQ, whether it gives the message back
    after its holder's connection closed, and (quorum queues) how many times it delivered it."""
    if not broker_redelivers_on_disconnect():
        return {}
    delivery_info = task.request.delivery_info or {}
    deliveries = task.request.get("x-delivery-count")
    return {"redelivered": bool(delivery_info.get("redelivered")),
            "deliveries": deliveries if isinstance(deliveries, int) else None}  # fmt: skip


# What _run and owners.execution_claim read of the row (and its name, for their log lines).
START_FIELDS = ("pk", "task_id", "name", "status", "owner", "cancel_requested_at")
_starting = Compiled(lambda: TaskExecution.objects.only(*START_FIELDS).filter(task_id=""))


def _ensure_execution(task: Task) -> TaskExecution:
    """The execution of the running task (created here when it was sent untracked); the
    one query of a task's start, whose row also tells whether a cancel was asked.

    Only what a start decides on is read (a third of a tracked no-op's time on the worker
    went to decoding the whole row: its arguments, steps and result as JSON)."""
    task_id = str(task.request.id)
    execution = _starting.get(task_id)
    if execution is not None:
        return execution
    info = tracking_info(task.name)
    return execution_register_published(
        task_id=task_id, task_name=task.name, args=list(task.request.args or []),
        kwargs=dict(task.request.kwargs or {}), queue="", name=info.get("name"),
        module=info.get("module"), title=info.get("title"),
    )  # fmt: skip


# --- Django's tasks framework --------------------------------------------------------------

# The reporters of the django.tasks tasks running in this process, by TaskResult.id: the
# task_finished receiver (task_manager.django_tasks) writes what they hold before the end.
_context_reporters: dict[str, ProgressReporter] = {}
_context_lock = threading.Lock()


def progress_for(context: Any) -> ProgressReporter:
    """The progress reporter of a django.tasks task defined with `takes_context=True`,
    from its TaskContext: the same API as a Celery task's `progress`.

        @task(takes_context=True)
        def import_rows(context, path):
            progress = progress_for(context)
            progress.step(1, 2, "Reading...")
            progress.check_cancelled()
    """
    task_id = str(context.task_result.id)
    with _context_lock:
        reporter = _context_reporters.get(task_id)
        if reporter is None:
            execution = TaskExecution.objects.only("pk").get(
                task_id=task_id, kind=ExecutionKind.DJANGO
            )
            reporter = _context_reporters[task_id] = ProgressReporter(execution.pk)
    return reporter


def take_context_reporter(task_id: str) -> ProgressReporter | None:
    """Remove and return the reporter of a django.tasks task that ended (None: it had none)."""
    with _context_lock:
        return _context_reporters.pop(task_id, None)


# --- fan-out ------------------------------------------------------------------------------


def fan_out(
    parent_id: int, signatures: Iterable[Signature], *, callback: Signature | None = None
) -> int:
    """Create one child execution per signature under the parent, then send them together.

    The parent's total_items becomes the number of children; each child that finishes
    counts as processed (SUCCESS) or failed; the parent finishes after the last one.
    Children go to the parent's queue unless they name one. With a callback, they run as
    a chord (the callback gets their results).
    """
    signatures = list(signatures)
    with transaction.atomic():
        parent = execution_lock(parent_id)
        for signature in signatures:
            if parent.queue and "queue" not in signature.options:
                signature.set(queue=parent.queue)  # children run where their parent runs
            signature.set(headers={REGISTERED_HEADER: "1"})
            signature.freeze()
            execution_register_published(
                task_id=str(signature.id), task_name=str(signature.task), args=list(signature.args),
                kwargs=dict(signature.kwargs), queue=signature.options.get("queue", ""),
                parent=parent,
            )  # fmt: skip
        parent.waits_for_children = True
        parent.children_count += len(signatures)
        parent.save(update_fields=["waits_for_children", "children_count"])
    execution_apply(parent_id, Change(total_items=len(signatures)))
    if signatures:
        canvas = chord(signatures, callback) if callback is not None else group(signatures)
        canvas.apply_async()
    return len(signatures)


# --- plain functions ----------------------------------------------------------------------


def start_task_tracking(
    task_id: str, *, name: str, module: str = "", title: str = "",
    user: User | None = None,
) -> TaskExecution:  # fmt: skip
    """Create (or fetch) the execution of a task id, for code that does not use the decorator."""
    execution = execution_register_published(
        task_id=task_id, task_name=name, args=[], kwargs={}, queue="",
        user_id=user.pk if user is not None else None, name=name, module=module, title=title,
    )  # fmt: skip
    return execution


def update_task_progress(task_id: str, **fields: Any) -> None:
    """Apply a change at once (no coalescing): progress, current_step, message, counters..."""
    execution = TaskExecution.objects.only("pk").get(task_id=task_id)
    execution_apply(execution.pk, Change(**fields))


def finish_task(task_id: str, *, status: str = ExecutionStatus.SUCCESS, result: Any = None,
                error: str = "") -> None:  # fmt: skip
    execution_finish(task_id, status, result=result, error=error)


def get_user_tasks(user: User, module: str | None = None) -> QuerySet[TaskExecution]:
    """The user's executions, active first, newest first."""
    return selectors.execution_list_for_user(user=user, module=module)


def get_module_stats(module: str, days: int = 7) -> dict[str, Any]:
    """Counts by status, success rate, average and p95 duration of a module's executions."""
    queryset = TaskExecution.objects.filter(module=module)
    return selectors.execution_stats(queryset=queryset, days=days, modules=[module])[0]
