"""Per-minute rollups of finished executions: what the metrics endpoint and /metrics read.

`rollup_execution_finished` is registered with task_manager.hooks (apps.py) and adds the
execution to its minute's row after the end commits, in a transaction of its own: the end's
transaction (the hot write path) does not grow, and no lock is taken while the execution's
row is held. An end whose process dies between the two commits is not counted (the gap is
one statement wide).

Runtimes and queue waits are histograms over BOUNDS (seconds), as Prometheus keeps them;
percentiles are read from them by linear interpolation inside the bucket, like PromQL's
histogram_quantile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction

from task_manager.models import ExecutionRollup, ExecutionStatus, RollupPeriod, TaskExecution

logger = logging.getLogger(__name__)

# Prometheus' default buckets, then minutes to an hour: tasks here run for minutes too.
BOUNDS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
)  # fmt: skip
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
    return [0] * (len(BOUNDS) + 1)


def execution_durations(execution: TaskExecution) -> tuple[float | None, float | None]:
    """(runtime, queue wait) in seconds; None where the execution never started."""
    started, finished = execution.started_at, execution.finished_at
    if started is None or finished is None:
        return None, None
    queued = execution.queued_at or execution.created_at
    wait = max(0.0, (started - queued).total_seconds()) if queued else None
    return max(0.0, (finished - started).total_seconds()), wait


def rollup_execution_finished(execution: TaskExecution) -> None:
    """Hook (task_manager.hooks): count the execution in its minute once its end commits."""
    transaction.on_commit(lambda: rollup_add(execution))


def period_starts(finished_at: datetime) -> dict[str, datetime]:
    minute = finished_at.replace(second=0, microsecond=0)
    return {RollupPeriod.MINUTE: minute, RollupPeriod.HOUR: minute.replace(minute=0),
            RollupPeriod.TOTAL: EPOCH}  # fmt: skip


def rollup_add(execution: TaskExecution) -> None:
    """Add one finished execution to its minute's, its hour's and the all-time row."""
    outcome = OUTCOME_FIELD.get(ExecutionStatus(execution.status))
    if outcome is None or execution.finished_at is None:
        return
    try:
        with transaction.atomic():
            for period, start in period_starts(execution.finished_at).items():
                key = {"period": period, "start": start, "task_name": execution.task_name,
                       "queue": execution.queue, "worker": execution.worker}  # fmt: skip
                row = _locked_row(key, module=execution.module)
                _count(row, execution, outcome)
                row.save()
    except DatabaseError:  # metrics must never break the end of an execution
        logger.warning("rollup of execution %s failed", execution.pk, exc_info=True)


def _locked_row(key: dict, *, module: str) -> ExecutionRollup:
    row = ExecutionRollup.objects.select_for_update().filter(**key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return ExecutionRollup.objects.create(
                **key, module=module, runtime_buckets=empty_buckets(), wait_buckets=empty_buckets()
            )
    except IntegrityError:  # another process created it meanwhile
        return ExecutionRollup.objects.select_for_update().get(**key)


def _count(row: ExecutionRollup, execution: TaskExecution, outcome: str) -> None:
    setattr(row, outcome, getattr(row, outcome) + 1)
    row.retried += max(0, execution.attempt - 1)
    runtime, wait = execution_durations(execution)
    if runtime is not None:
        row.started += 1
        row.runtime_sum += runtime
        row.runtime_buckets[bucket_index(runtime)] += 1
    if wait is not None:
        row.wait_sum += wait
        row.wait_buckets[bucket_index(wait)] += 1


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

    def add(self, row: ExecutionRollup) -> None:
        for name in ("succeeded", "failed", "cancelled", "retried", "started"):
            setattr(self, name, getattr(self, name) + getattr(row, name))
        self.runtime_sum += row.runtime_sum
        self.wait_sum += row.wait_sum
        _add_into(self.runtime_buckets, row.runtime_buckets)
        _add_into(self.wait_buckets, row.wait_buckets)


def _add_into(total: list[int], counts: Sequence[int]) -> None:
    for index, count in enumerate(counts[: len(total)]):
        total[index] += count


def tally(rows: Iterable[ExecutionRollup]) -> Tally:
    result = Tally()
    for row in rows:
        result.add(row)
    return result


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
