"""Named steps: what an execution stores of its steps, and how the API shows them.

A task declares its step names up front (`@track_task(..., steps=[...])`, stored when its
execution is created, or `progress.plan([...])`) or names a step by the message it starts
it with (`progress.step(3, 8, "Powering on VM...")`). The row keeps one entry per step,
`{"name", "started_at", "finished_at"}` (ISO times): a step starts when a report moves
`current_step` to it (at the time the task made the call), and the step before it finishes
then. The current step finishes with the execution: that time is the execution's own
`finished_at`, read when answered (an end is one UPDATE that does not rewrite the steps).
Each step's status is derived from the execution's `current_step` and status when answered
(`steps_data`).

Pure functions: the write path (task_manager.writes, task_manager.lifecycle) applies them to
rows it holds locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from task_manager.models import ACTIVE_STATUSES, ExecutionStatus, TaskExecution

S = ExecutionStatus
MAX_STEPS = 500  # a task reporting "step 3 of 10**9" is shown 500 steps
NAME_MAX = 200
# (step number, when the task started it, the message it started it with)
Mark = tuple[int, datetime, str | None]


def planned(names: Iterable[str] | None) -> list[dict[str, Any]]:
    """The stored steps of a plan: named, not started."""
    return [_entry(str(name)[:NAME_MAX]) for name in list(names or [])[:MAX_STEPS]]


def _entry(name: str | None = None) -> dict[str, Any]:
    return {"name": name, "started_at": None, "finished_at": None}


def replan(steps: Sequence[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """New names for the steps (progress.plan), keeping the times of those already run."""
    renamed = planned(names)
    for index, entry in enumerate(renamed):
        if index < len(steps):
            entry["started_at"] = steps[index].get("started_at")
            entry["finished_at"] = steps[index].get("finished_at")
    return renamed + [dict(entry) for entry in steps[len(renamed) :]]


def marked(steps: Sequence[dict[str, Any]], marks: Iterable[Mark]) -> list[dict[str, Any]]:
    """The steps after the task started the ones in `marks`, in order: a step started
    finishes the one running before it."""
    result = [dict(entry) for entry in steps]
    for number, at, message in marks:
        if not 1 <= number <= MAX_STEPS:
            continue
        while len(result) < number:
            result.append(_entry())
        when = at.isoformat()
        for entry in result[: number - 1]:
            if entry["started_at"] and not entry["finished_at"]:
                entry["finished_at"] = when
        entry = result[number - 1]
        if entry["started_at"] is None or entry["finished_at"] is not None:
            entry["started_at"], entry["finished_at"] = when, None
        if not entry["name"] and message:
            entry["name"] = message[:NAME_MAX]
    return result


def step_status(execution: TaskExecution, number: int) -> str:
    """pending, running, done, failed, cancelled or skipped."""
    current, status = execution.current_step, execution.status
    active = status in ACTIVE_STATUSES
    if number < current:
        return "done"
    if number == current:
        ended = {S.SUCCESS: "done", S.FAILURE: "failed", S.REVOKED: "cancelled"}
        return "running" if active else ended[S(status)]
    if active:
        return "pending"
    return "done" if status == S.SUCCESS else "skipped"


def steps_data(execution: TaskExecution) -> list[dict[str, Any]]:
    """`steps` of the execution detail: one per step, named, with its status and times."""
    stored = execution.steps if isinstance(execution.steps, list) else []
    count = min(MAX_STEPS, max(execution.total_steps, len(stored)))
    # The current step of an ended execution ended with it.
    ended = execution.finished_at.isoformat() if execution.finished_at else None
    rows = []
    for number in range(1, count + 1):
        entry = stored[number - 1] if number <= len(stored) else {}
        finished_at = entry.get("finished_at")
        if finished_at is None and entry.get("started_at") and number == execution.current_step:
            finished_at = ended
        rows.append({
            "index": number,
            "name": entry.get("name") or f"Step {number}",
            "status": step_status(execution, number),
            "started_at": entry.get("started_at"),
            "finished_at": finished_at,
        })  # fmt: skip
    return rows
