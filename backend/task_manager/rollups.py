"""Per-minute rollups of finished executions: what the metrics endpoint and /metrics read.

`rollup_execution_finished` is registered with task_manager.hooks (apps.py). After an end
commits it only counts the execution in memory; a thread writes what a process counted at
most once a second (TASKPULSE_ROLLUP_FLUSH_SECONDS; 0: each end at once), summed by row, in
one transaction: one INSERT of the rows not there yet, and one UPDATE for each set of rows
that gain the same (one end's four rows: one). The end's transaction does not grow, and a
burst of a thousand ends a second costs a few statements a second, not two per end (the
tracked task's statements stay at three: task_manager/tests/test_statements.py). What a
process counted in its last second is lost if it dies before its next write.

Runtimes and queue waits are histograms over BOUNDS (seconds), as Prometheus keeps them;
percentiles are read from them by linear interpolation inside the bucket, like PromQL's
histogram_quantile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F, Q, Sum

from config.threads import start_daemon
from task_manager.histograms import BOUNDS, RUNTIME_FIELDS, SLOTS, WAIT_FIELDS
from task_manager.models import ExecutionRollup, ExecutionStatus, RollupPeriod, TaskExecution

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OUTCOME_FIELD = {
    ExecutionStatus.SUCCESS: "succeeded",
    ExecutionStatus.FAILURE: "failed",
    ExecutionStatus.REVOKED: "cancelled",
}


def bucket_index(seconds: float) -> int:
    """The histogram slot of a duration: the first bound it does not pass."""
    for index, bound in enumerate(BOUNDS):
        if seconds <= bound:
            return index
    return len(BOUNDS)


def empty_buckets() -> list[int]:
    return [0] * SLOTS


def execution_durations(execution: TaskExecution) -> tuple[float | None, float | None]:
    """(runtime, queue wait) in seconds; None where the execution never started."""
    started, finished = execution.started_at, execution.finished_at
    if started is None or finished is None:
        return None, None
    queued = execution.queued_at or execution.created_at
    wait = max(0.0, (started - queued).total_seconds()) if queued else None
    return max(0.0, (finished - started).total_seconds()), wait


# A row's identity (period, start, task_name, queue, worker) and its module.
RowKey = tuple[str, datetime, str, str, str]


def rollup_execution_finished(execution: TaskExecution) -> None:
    """Hook (task_manager.hooks): count the execution once its end commits."""
    transaction.on_commit(lambda: pending.add(execution))


def period_starts(finished_at: datetime) -> dict[str, datetime]:
    minute = finished_at.replace(second=0, microsecond=0)
    hour = minute.replace(minute=0)
    return {RollupPeriod.MINUTE: minute, RollupPeriod.HOUR: hour,
            RollupPeriod.DAY: hour.replace(hour=0), RollupPeriod.TOTAL: EPOCH}  # fmt: skip


def execution_rows(execution: TaskExecution) -> dict[RowKey, dict[str, Any]]:
    """The rows a finished execution counts in (its minute, hour, day and all time), each
    with what it adds; none for an execution that has not ended."""
    outcome = OUTCOME_FIELD.get(ExecutionStatus(execution.status))
    if outcome is None or execution.finished_at is None:
        return {}
    increments = row_increments(execution, outcome)
    return {row_key(period, start, execution): increments
            for period, start in period_starts(execution.finished_at).items()}  # fmt: skip


class PendingRollups:
    """What this process counted and has not written yet, summed by row, and the thread
    that writes it (one per process, with its own database connection, kept between
    writes as the process' other connections are)."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a pool child starts empty

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[RowKey, dict[str, Any]] = {}
        self._modules: dict[RowKey, str] = {}
        self._counted = threading.Event()
        self._writer: threading.Thread | None = None

    def add(self, execution: TaskExecution) -> None:
        if settings.TASKPULSE_ROLLUP_FLUSH_SECONDS <= 0:
            rollup_add(execution)
            return
        rows = execution_rows(execution)
        with self._lock:
            _sum_into(self._rows, rows)
            self._modules.update(dict.fromkeys(rows, execution.module))
            if self._writer is None:
                self._writer = start_daemon(self._write_forever, name="taskpulse-rollups")
        self._counted.set()

    def _write_forever(self) -> None:
        while True:
            self._counted.wait()
            time.sleep(settings.TASKPULSE_ROLLUP_FLUSH_SECONDS)
            self._counted.clear()
            close_old_connections()  # a connection the server dropped, or past its age
            self.flush()

    def discard(self) -> None:
        """Forget what is counted and not written (a test that buffered some)."""
        with self._lock:
            self._rows, self._modules = {}, {}

    def flush(self) -> None:
        """Write what is counted; kept for the next write if the database refuses."""
        with self._lock:
            rows, modules = self._rows, self._modules
            self._rows, self._modules = {}, {}
        if rows and not rollup_write(rows, modules):
            with self._lock:
                _sum_into(self._rows, rows)
                self._modules.update(modules)
            self._counted.set()


def _sum_into(
    total: dict[RowKey, dict[str, Any]], rows: Mapping[RowKey, Mapping[str, Any]]
) -> None:
    for key, increments in rows.items():
        row = total.setdefault(key, defaultdict(int))
        for name, value in increments.items():
            row[name] += value


pending = PendingRollups()


def rollup_add(execution: TaskExecution) -> None:
    """Write one finished execution's rows now (tests, the bulk generator's checks)."""
    rows = execution_rows(execution)
    rollup_write(rows, dict.fromkeys(rows, execution.module))


def rollup_write(rows: Mapping[RowKey, Mapping[str, Any]], modules: Mapping[RowKey, str]) -> bool:
    """Add summed increments to their rows: one INSERT of the missing rows, one UPDATE per
    set of rows that gain the same, in one transaction. False when the database refused
    (nothing written)."""
    if not rows:
        return True
    alike: dict[frozenset[tuple[str, Any]], Q] = defaultdict(lambda: Q(pk__in=[]))
    for key, increments in rows.items():
        alike[frozenset(increments.items())] |= Q(**row_fields(key))
    try:
        with transaction.atomic():
            ExecutionRollup.objects.bulk_create(
                [ExecutionRollup(**row_fields(key), module=modules[key]) for key in rows],
                ignore_conflicts=True,
            )
            for gains, which in alike.items():
                ExecutionRollup.objects.filter(which).update(
                    **{name: F(name) + value for name, value in gains}
                )
    except DatabaseError:  # metrics must never break the end of an execution
        logger.warning("rollup of %d rows failed; kept for the next try", len(rows),
                       exc_info=True)  # fmt: skip
        return False
    return True


def row_key(period: str, start: datetime, execution: TaskExecution) -> RowKey:
    """Minute, hour and day rows leave the worker out (fewer rows to sum); all-time rows
    keep it (/metrics' hostname)."""
    worker = execution.worker if period == RollupPeriod.TOTAL else ""
    return (period, start, execution.task_name, execution.queue, worker)


def row_fields(key: RowKey) -> dict[str, Any]:
    period, start, task_name, queue, worker = key
    return {"period": period, "start": start, "task_name": task_name, "queue": queue,
            "worker": worker}  # fmt: skip


def row_increments(execution: TaskExecution, outcome: str) -> dict[str, Any]:
    """What one finished execution adds to a row."""
    increments: dict[str, Any] = {outcome: 1}
    if execution.attempt > 1:
        increments["retried"] = execution.attempt - 1
    runtime, wait = execution_durations(execution)
    if runtime is not None:
        increments.update(started=1, runtime_sum=runtime)
        increments[RUNTIME_FIELDS[bucket_index(runtime)]] = 1
    if wait is not None:
        increments["wait_sum"] = wait
        increments[WAIT_FIELDS[bucket_index(wait)]] = 1
    return increments


def count_into(row: ExecutionRollup, execution: TaskExecution, outcome: str) -> None:
    """Add one finished execution to an unsaved row (the bulk generator)."""
    for name, value in row_increments(execution, outcome).items():
        setattr(row, name, getattr(row, name) + value)


# Rows older than what any range reads (with a margin) are deleted; all-time rows never are
# (/metrics' counters must only grow).
KEEP = {RollupPeriod.MINUTE: timedelta(days=2), RollupPeriod.HOUR: timedelta(days=8),
        RollupPeriod.DAY: timedelta(days=400)}  # fmt: skip


def rollups_prune(now: datetime | None = None) -> int:
    """Delete the minute, hour and day rows no range reads any more (hourly, with retention)."""
    now = now or datetime.now(tz=UTC)
    deleted = 0
    for period, keep in KEEP.items():
        old = ExecutionRollup.objects.filter(period=period, start__lt=now - keep)
        deleted += old.delete()[0]
    return deleted


# --- reading ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts and histograms summed over rollup rows."""

    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    retried: int = 0
    started: int = 0
    runtime_sum: float = 0.0
    wait_sum: float = 0.0
    runtime_buckets: list[int] = field(default_factory=empty_buckets)
    wait_buckets: list[int] = field(default_factory=empty_buckets)

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed + self.cancelled

    def add(self, sums: Mapping[str, Any]) -> None:
        """Add a row's values, or sums of rows (`values().annotate(**SUMS)`), by field name."""
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + (sums[name] or 0))
        for index, (runtime, wait) in enumerate(zip(RUNTIME_FIELDS, WAIT_FIELDS, strict=True)):
            self.runtime_buckets[index] += sums[runtime] or 0
            self.wait_buckets[index] += sums[wait] or 0


COUNT_FIELDS = ("succeeded", "failed", "cancelled", "retried", "started", "runtime_sum",
                "wait_sum")  # fmt: skip
SUMS = {name: Sum(name) for name in (*COUNT_FIELDS, *RUNTIME_FIELDS, *WAIT_FIELDS)}


def quantile(buckets: Sequence[int], q: float) -> float | None:
    """The q-quantile of a histogram, interpolated inside its bucket; None when empty.

    A value past the last bound is reported as the last bound (as histogram_quantile does).
    """
    total = sum(buckets)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(buckets):
        if count and seen + count >= rank:
            if index >= len(BOUNDS):
                return BOUNDS[-1]
            lower = BOUNDS[index - 1] if index else 0.0
            return lower + (BOUNDS[index] - lower) * (rank - seen) / count
        seen += count
    return BOUNDS[-1]


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The start of the `step`-long bucket holding `moment` (steps divide a day)."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + step * ((moment - midnight) // step)
