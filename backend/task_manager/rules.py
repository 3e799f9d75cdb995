"""The rules of an execution's changes, as pure functions: no database, no broker, no push.

Which status may follow which, how a reported change folds into the row (counters never
negative, progress clamped to 0..100 and never going back), how a finished execution's
message reads, and how a parent ends after its children. The write path applies them to
rows it holds locked (task_manager.writes, task_manager.lifecycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from task_manager.models import ExecutionStatus, TaskExecution

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
PROGRESS_FIELDS = ("status", "progress", "current_step", "total_steps", "message",
                   "total_items", "processed_items", "failed_items")  # fmt: skip


def can_transition(current: str, new: str) -> bool:
    return new == current or new in TRANSITIONS[current]


# Which finished executions may be launched again (POST .../retry/), and the tasks a module
# refuses to re-run from their execution, with the reason (declared in an AppConfig.ready()).
RETRYABLE_STATUSES = frozenset({S.FAILURE, S.REVOKED})
_retry_refusals: dict[str, str] = {}


def refuse_retry(task_name: str, reason: str) -> None:
    """Executions of `task_name` are never retried: `can_retry` is false for them and a
    retry answers 409 with `reason`."""
    _retry_refusals[task_name] = reason


def retry_refusal(task_name: str) -> str | None:
    return _retry_refusals.get(task_name)


def can_retry(status: str, task_name: str) -> bool:
    return status in RETRYABLE_STATUSES and task_name not in _retry_refusals


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
    # Named steps (task_manager.steps): a plan of names, and the steps the task started.
    step_plan: list[str] | None = None
    step_marks: list[tuple[int, datetime, str | None]] = field(default_factory=list)

    def merge(self, newer: Change) -> None:
        """Fold a newer change into this one (coalescing: the last value wins, deltas add)."""
        mine, theirs = self.__dict__, newer.__dict__  # a merge per report in a burst
        for name in PROGRESS_FIELDS:
            if (value := theirs[name]) is not None:
                mine[name] = value
        if newer.processed_items is not None:
            self.processed_delta = 0
        if newer.failed_items is not None:
            self.failed_delta = 0
        self.processed_delta += newer.processed_delta
        self.failed_delta += newer.failed_delta
        self.logs.extend(newer.logs)
        if newer.step_plan is not None:
            self.step_plan = newer.step_plan
        self.step_marks.extend(newer.step_marks)

    def is_empty(self) -> bool:
        """Nothing to write: no field, delta, log line or step (asked once per report)."""
        if self.processed_delta or self.failed_delta or self.logs or self.step_marks:
            return False
        values = self.__dict__
        return self.step_plan is None and all(values[name] is None for name in PROGRESS_FIELDS)


@dataclass
class Applied:
    """What applying a change left: the row, and whether a cancel was asked meanwhile."""

    execution: TaskExecution
    cancel_requested: bool


class ChildrenOutcome(NamedTuple):
    """How a parent ends once its last child has: what @track_task(on_children_done=)
    returns, called with the locked parent inside the last child's transaction."""

    status: str
    message: str
    error: str = ""


def apply_change(execution: TaskExecution, change: Change) -> list[str]:
    """Apply a change to a row in memory; return the names of the fields that moved."""
    before = {f: getattr(execution, f) for f in PROGRESS_FIELDS}
    for name in ("current_step", "total_steps", "total_items", "processed_items", "failed_items"):
        value = getattr(change, name)
        if value is not None:
            setattr(execution, name, max(0, int(value)))
    execution.processed_items += change.processed_delta
    execution.failed_items += change.failed_delta
    if change.message is not None:
        execution.message = change.message[:MESSAGE_MAX]
    execution.progress = max(execution.progress, _clamp(_next_progress(execution, change)))
    if change.status is not None and can_transition(execution.status, change.status):
        execution.status = change.status
    return [f for f in PROGRESS_FIELDS if getattr(execution, f) != before[f]]


def _next_progress(execution: TaskExecution, change: Change) -> float:
    """Explicit percent first, then items done of total, then the step reached (unless
    items are counted)."""
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
    # Items, once counted, measure the work: a step started then does not move the bar.
    if change.current_step is not None and execution.total_steps and not execution.total_items:
        return 100.0 * (execution.current_step - 1) / execution.total_steps
    return execution.progress


def _clamp(value: float) -> float:
    return round(min(100.0, max(0.0, float(value))), 2)


def finish_message(status: str, error: str) -> str:
    """What a finished execution says when its ender gave no message."""
    if status == S.SUCCESS:
        return "Completed"
    if status == S.REVOKED:
        return "Cancelled"
    return f"Failed: {error.splitlines()[0] if error else 'unknown error'}"


def waiting_for_children(execution: TaskExecution) -> bool:
    done = execution.processed_items + execution.failed_items
    return execution.waits_for_children and done < execution.total_items


def children_default_outcome(parent: TaskExecution) -> ChildrenOutcome:
    """A parent without a verdict of its own: FAILURE if any child failed."""
    summary = f"{parent.total_items} finished, {parent.failed_items} failed"
    if parent.failed_items:
        error = f"{parent.failed_items} of {parent.total_items} child tasks failed"
        return ChildrenOutcome(S.FAILURE, summary, error)
    return ChildrenOutcome(S.SUCCESS, summary)
