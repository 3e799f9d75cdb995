"""Held starts: a worker's start is written with the execution's next write, or one
coalescing interval later.

A worker's task_prerun writes nothing: `defer_start` holds the start (worker, owner, attempt,
the real started_at) in `held_starts`, in this process, for one TASKPULSE_PROGRESS_INTERVAL_MS.
The next write of that execution in the same process takes it from there while it holds
the row, and saves it in the same transaction: a report saves STARTED then PROGRESS, each
with its seq (lifecycle.execution_apply); an end (success, failure, cancel, retry) saves it
with the end, so a task that ends within the interval is written once and never shows
STARTED. Otherwise the flusher writes STARTED when the interval is over
(`execution_flush_start`), and task_postrun writes a start that no end took (a task that
raised Ignore). With an interval of 0 the start is written at once.

A start is taken only while the execution's row is locked, so that the flusher and the
task's own write never both save one start, and neither loses it. A worker that dies
within the interval leaves the execution PENDING with its message unacknowledged: recovery
re-queues it like any message a dead worker took (recovery.taken_by_dead_workers), whatever
its on_worker_lost, since it never showed as started.

The flusher is one thread per process that runs what a coalescing interval held back once
it is due: held starts, and the pending changes of progress reporters (tracking).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from config.threads import start_daemon
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.owners import this_process
from task_manager.rules import can_transition
from task_manager.writes import execution_lock_by_task_id, move_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Start:
    """A worker began to run a task (what task_prerun knows), written now or a little later."""

    worker: str
    attempt: int
    started_at: datetime
    owner: str = ""  # the process that runs it (task_manager.owners)


class HeldStarts:
    """Starts not written yet, by task id, in this process."""

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


class Flusher:
    """Runs each scheduled write once it is due, on one thread per process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._pid: int | None = None

    def schedule(self, flush: Callable[[], None], due: float) -> None:
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked child without the thread
                self._pid = os.getpid()
                self._heap = []
                start_daemon(self._run, name="taskpulse-flusher")
            heapq.heappush(self._heap, (due, next(self._counter), flush))
            if self._heap[0][2] is flush:  # due before all the others: the thread waits less
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, flush = heapq.heappop(self._heap)
            try:
                flush()
            except Exception:  # one failed write must not stop the ones after it
                logger.exception("taskpulse flusher: a delayed write failed")
            finally:
                close_old_connections()


flusher = Flusher()


def defer_start(task_id: str, *, worker: str, attempt: int) -> None:
    """A worker starts the task: STARTED is written one interval later, unless a write of
    the execution carries it before then."""
    interval = settings.TASKPULSE_PROGRESS_INTERVAL_MS / 1000
    if interval <= 0:
        execution_mark_started(task_id, worker=worker, attempt=attempt)
        return
    start = Start(worker=worker, attempt=attempt, started_at=timezone.now(),
                  owner=this_process(worker).token)  # fmt: skip
    held_starts.hold(task_id, start)
    due = functools.partial(execution_flush_start, task_id, start)
    flusher.schedule(due, time.monotonic() + interval)


def execution_mark_started(
    task_id: str, *, worker: str, attempt: int, started_at: datetime | None = None
) -> None:
    """STARTED now (started_at: when the worker really started it; default now)."""
    start = Start(worker=worker, attempt=attempt, started_at=started_at or timezone.now(),
                  owner=this_process(worker).token)  # fmt: skip
    with transaction.atomic():
        execution = execution_lock_by_task_id(task_id)
        if execution is not None:
            _save_start(execution, start)


def execution_flush_start(task_id: str, start: Start | None = None) -> None:
    """Write the start held for a task (this one, if given), unless a write took it already;
    then no query is made."""
    if not held_starts.holds(task_id, start):
        return
    with transaction.atomic():
        execution = execution_lock_by_task_id(task_id)
        start = held_starts.take(task_id, start)
        if execution is not None and start is not None:
            _save_start(execution, start)


def _save_start(execution: TaskExecution, start: Start) -> None:
    if started := start_locked(execution, start):
        execution.save(update_fields=started)


def start_locked(execution: TaskExecution, start: Start | None) -> list[str]:
    """Move a locked row to STARTED in memory (a seq, announced after the commit); the
    fields to save, [] without a start or when STARTED may not follow the row's status."""
    fields = start_fields(execution, start)
    return move_status(execution, ExecutionStatus.STARTED, **fields) if fields else []


def start_fields(execution: TaskExecution, start: Start | None) -> dict[str, Any]:
    """What a start sets: worker, owner, attempt, and started_at unless an earlier attempt
    set it. Nothing when STARTED may not follow the row's status (a finished or running row)."""
    if start is None or not can_transition(execution.status, ExecutionStatus.STARTED):
        return {}
    fields: dict[str, Any] = {"worker": start.worker, "attempt": start.attempt,
                              "owner": start.owner}  # fmt: skip
    if execution.started_at is None:
        fields["started_at"] = start.started_at
    return fields
