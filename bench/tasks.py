"""The bench's Celery tasks: one task shape, reported through TaskPulse or through celery-progress.

Every progress message carries "<index> <time.time() at the report>" (TaskPulse: `message`,
celery-progress: `description`), so that a client on the same machine measures the latency
from the report in the worker to its own receipt.

Names that start with "celery." are internal to TaskPulse's signal wiring (no execution row):
the peer's tasks and the untracked no-op use them, so that TaskPulse adds no cost to them.
celery-progress's own signal receivers (its final websocket push) are narrowed to the peer's
tasks, so that they add no cost to TaskPulse's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from celery import Task, shared_task, signals
from celery_progress.backend import KnownResult, Progress
from celery_progress.websockets import backend as peer_backend
from celery_progress.websockets import tasks as peer_signals
from channels.layers import get_channel_layer
from django.conf import settings

from task_manager import tracking
from task_manager.models import ExecutionStatus
from task_manager.tracking import ProgressReporter, track_task

PEER_TASKS = ("celery.bench_cp_stream", "celery.bench_cp_noop")
Report = Callable[[int, int, str], None]

# celery-progress reads the layer once at import: point it at its own alias.
peer_backend.channel_layer = get_channel_layer(settings.PEER_CHANNEL_LAYER)


def peer_only(handler: Callable[..., Any]) -> Callable[..., Any]:
    def receiver(sender: Any = None, **kwargs: Any) -> Any:
        if getattr(sender, "name", None) in PEER_TASKS:
            return handler(sender=sender, **kwargs)
        return None

    return receiver


signals.task_postrun.disconnect(peer_signals.task_postrun_handler)
signals.task_revoked.disconnect(peer_signals.task_revoked_handler)
_peer_postrun = peer_only(peer_signals.task_postrun_handler)
signals.task_postrun.connect(_peer_postrun, weak=False, retry=True)


def note(index: int) -> str:
    return f"{index} {time.time():.6f}"


def pace(report: Report, count: int, period: float, duration: float) -> int:
    """Report `count` updates, one every `period` seconds (0: flat out), for `duration` at most."""
    start = time.monotonic()
    deadline = start + duration if duration else float("inf")
    index = 0
    while index < count and time.monotonic() < deadline:
        index += 1
        report(index, count, note(index))
        if period:
            time.sleep(max(0.0, start + index * period - time.monotonic()))
    return index


# --- TaskPulse ---------------------------------------------------------------------------


@shared_task(bind=True, name="bench.tp_stream")
@track_task("bench.stream", module="bench", title="bench stream")
def tp_stream(
    self: Task, count: int = 10, period: float = 0.0, duration: float = 0.0,
    interval_ms: int | None = None, *, progress: ProgressReporter,
) -> int:  # fmt: skip
    if interval_ms is not None:  # 0 turns coalescing off: every report is written and pushed
        progress.interval = interval_ms / 1000

    def report(index: int, total: int, text: str) -> None:
        progress.percent(100.0 * index / total, text)

    return pace(report, count, period, duration)


@shared_task(bind=True, name="bench.tp_calm")
@track_task("bench.calm", module="bench", title="bench calm deployment")
def tp_calm(
    self: Task, count: int = 20, period: float = 0.3, lead: float = 1.0, *,
    progress: ProgressReporter,
) -> int:  # fmt: skip
    """A deployment as someone watches it: every `period`, a step and its log line (the
    line's text is its index and time, as the other reports'), after `lead` seconds in which
    the watcher subscribes."""
    time.sleep(lead)

    def report(index: int, total: int, text: str) -> None:
        progress.step(index, total, f"Step {index} of {total}")
        progress.log(text)

    return pace(report, count, period, 0.0)


@shared_task(bind=True, name="bench.tp_noop")
@track_task("bench.noop", module="bench")
def tp_noop(self: Task, *, progress: ProgressReporter) -> None:
    return None


@shared_task(name="celery.bench_noop")
def plain_noop() -> None:
    return None


@shared_task(name="celery.bench_tp_fleet")
def tp_fleet(task_ids: list[str], rounds: int, period: float) -> int:
    """Many users: one execution per user, reported round-robin, then all finished."""
    from task_manager.models import TaskExecution

    ids = dict(TaskExecution.objects.filter(task_id__in=task_ids).values_list("task_id", "pk"))
    reporters = [ProgressReporter(ids[task_id]) for task_id in task_ids]

    def report(index: int, total: int, text: str) -> None:
        for reporter in reporters:
            reporter.percent(100.0 * index / total, f"{index} {time.time():.6f}")

    done = pace(report, rounds, period, 0.0)
    for reporter, task_id in zip(reporters, task_ids, strict=True):
        reporter.flush()
        tracking.execution_finish(task_id, ExecutionStatus.SUCCESS, result=done)
    return done


# --- celery-progress ---------------------------------------------------------------------


@shared_task(bind=True, name="celery.bench_cp_stream")
def cp_stream(self: Task, count: int = 10, period: float = 0.0, duration: float = 0.0) -> int:
    recorder = peer_backend.WebSocketProgressRecorder(self)

    def report(index: int, total: int, text: str) -> None:
        recorder.set_progress(index, total, text)

    return pace(report, count, period, duration)


@shared_task(bind=True, name="celery.bench_cp_noop")
def cp_noop(self: Task) -> None:
    return None  # celery-progress's postrun receiver pushes its final state


class PeerTaskView:
    """What ProgressRecorder needs of a task (request.id, update_state) for another task id."""

    def __init__(self, task: Task, task_id: str) -> None:
        self.task = task
        self.request = SimpleNamespace(id=task_id)

    def update_state(self, state: str, meta: Any) -> None:
        self.task.update_state(task_id=self.request.id, state=state, meta=meta)


@shared_task(bind=True, name="celery.bench_cp_fleet")
def cp_fleet(self: Task, task_ids: list[str], rounds: int, period: float) -> int:
    """Many users with celery-progress: one task id each, then each one's final push."""
    recorders = [peer_backend.WebSocketProgressRecorder(PeerTaskView(self, t)) for t in task_ids]

    def report(index: int, total: int, text: str) -> None:
        for recorder in recorders:
            recorder.set_progress(index, total, f"{index} {time.time():.6f}")

    done = pace(report, rounds, period, 0.0)
    for task_id in task_ids:
        self.backend.store_result(task_id, done, "SUCCESS")
        data = Progress(KnownResult(task_id, done, "SUCCESS")).get_info()
        peer_backend.WebSocketProgressRecorder.push_update(task_id, data=data, final=True)
    return done
