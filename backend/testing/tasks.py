"""Celery tasks only end-to-end tests run: their workers import this module
(`LiveWorker(include="testing.tasks")`); `make run` and production never do."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

from task_manager.launching import execution_is_cancel_requested
from task_manager.tracking import ProgressReporter, TaskCancelled, track_task


@shared_task(name="testing.burn_cpu")
def burn_cpu(seconds: float) -> int:
    """Keep one pool process at 100 % CPU for `seconds`: a busy loop, no sleep, no I/O."""
    deadline = time.monotonic() + seconds
    loops = 0
    while time.monotonic() < deadline:
        loops += 1
    return loops


@shared_task(bind=True, name="testing.calm_step")
@track_task("testing.calm_step", module="testing", title="One step, then quiet")
def calm_step(self: Any, seconds: float = 120, *, progress: ProgressReporter) -> None:
    """A step and its log line, then no report and no flush until a cancel is asked (read
    from the database directly: check_cancelled() would write what is pending), or
    `seconds` passed."""
    progress.step(1, 2, "Step 1 of 2")
    progress.log("step 1 started")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if execution_is_cancel_requested(progress.execution_id):
            raise TaskCancelled()
        time.sleep(0.05)


@shared_task(bind=True, name="testing.tracked_noop")
@track_task("testing.tracked_noop", module="testing")
def tracked_noop(self: Any, *, progress: ProgressReporter) -> None:
    """A tracked task that does nothing: what tracking alone costs."""
