"""Periodic jobs (recovery, retention) and a demo task to try the platform with."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from config.outages import REDIS_ERRORS
from task_manager import bulk, counters, recovery, rollups
from task_manager.models import TaskExecution
from task_manager.recovery_overrides import log_template_overrides
from task_manager.tracking import ProgressReporter, track_task

logger = logging.getLogger(__name__)


# One recovery at a time. Runs pile up (beat's ticks held back by a broker outage arrive
# together, a worker's start sends one too), and two at once both sent the same unsent
# launch: it ran twice (make chaos, "broker down at launch": 2 deployments cloned twice).
RECOVERY_LOCK = "task_manager:recovery:running"


def recovery_lock_seconds() -> int:
    """The lock's expiry, for when its holder dies or cannot release it (Redis went down):
    two intervals (10 s to 2 min), so that a lost lock skips a tick or two, no more."""
    return int(max(10, min(120, 2 * settings.TASKPULSE_RECOVERY_INTERVAL_SECONDS)))


@contextmanager
def single_flight(key: str, seconds: int) -> Iterator[bool]:
    """Yields True to the one caller holding `key`; False to the others, and when the cache
    (Redis, the broker too) cannot be asked: the next run will."""
    token = uuid.uuid4().hex
    try:
        held = bool(cache.add(key, token, seconds))
    except REDIS_ERRORS:
        held = False
    try:
        yield held
    finally:
        if held:
            with suppress(*REDIS_ERRORS):
                if cache.get(key) == token:
                    cache.delete(key)


@shared_task(name="task_manager.recover_executions", ignore_result=True)
def recover_executions() -> dict[str, int]:
    with single_flight(RECOVERY_LOCK, recovery_lock_seconds()) as mine:
        if not mine:
            logger.info("recovery: another run is in progress; this one is skipped")
            return {}
        log_template_overrides()
        report = asdict(recovery.recover())
        for action, count in report.items():
            if count:
                counters.counters.add(f"recovery_actions:{action}", count)
        return report


@shared_task(name="task_manager.purge_old_executions", ignore_result=True)
def purge_old_executions() -> int:
    rollups.rollups_prune()
    return recovery.purge_old_executions()


@shared_task(bind=True, name=bulk.BULK_TASK)
@track_task(bulk.BULK_TASK, module="bulk", title="Bulk action",
            steps=["Act on each execution"])  # fmt: skip
def bulk_executions(
    self: Any, action: str, ids: list[int], *, progress: ProgressReporter
) -> dict[str, Any]:
    """POST executions/bulk/: act on each execution, with the rights of the job's owner."""
    owner = TaskExecution.objects.filter(pk=progress.execution_id).values_list("user_id").first()
    return bulk.executions_bulk_run(
        action=action, ids=ids, user_id=owner[0] if owner else None, progress=progress
    )


@shared_task(bind=True, name="task_manager.demo")
@track_task("task_manager.demo", module="demo", title="Demo task")
def demo(
    self: Any, steps: int = 5, step_seconds: float = 1.0, fail_at_step: int = 0, *,
    progress: ProgressReporter,
) -> dict[str, int]:  # fmt: skip
    """Walks through `steps` steps with a log line each; fails at `fail_at_step` if set."""
    for step in range(1, steps + 1):
        progress.step(step, steps, f"Step {step} of {steps}")
        progress.log(f"step {step} started")
        if step == fail_at_step:
            raise RuntimeError(f"demo failure at step {step}")
        deadline = time.monotonic() + step_seconds
        while time.monotonic() < deadline:
            progress.check_cancelled()
            time.sleep(min(0.05, step_seconds))
    progress.log("all steps done")
    return {"steps": steps}


@shared_task(bind=True, name="task_manager.demo_fan_out")
@track_task("task_manager.demo_fan_out", module="demo", title="Demo fan-out")
def demo_fan_out(
    self: Any, children: int = 10, child_seconds: float = 0.2, fail_every: int = 0, *,
    progress: ProgressReporter,
) -> int:  # fmt: skip
    """Launches `children` child tasks; every `fail_every`-th one fails."""
    progress.message(f"Launching {children} child tasks")
    signatures = [
        demo_child.s(index, child_seconds, bool(fail_every and index % fail_every == 0))
        for index in range(1, children + 1)
    ]
    return progress.fan_out(signatures)


@shared_task(bind=True, name="task_manager.demo_child")
@track_task("task_manager.demo_child", module="demo", title="Demo child")
def demo_child(
    self: Any, index: int, seconds: float, fail: bool, *, progress: ProgressReporter
) -> int:
    progress.message(f"Child {index} working")
    time.sleep(seconds)
    if fail:
        raise ValueError(f"child {index} failed on purpose")
    return index


@shared_task(name="task_manager.demo_plain")
def demo_plain(a: int, b: int) -> int:
    """A plain Celery task, not decorated: Celery's signals still give it an execution."""
    return a + b
