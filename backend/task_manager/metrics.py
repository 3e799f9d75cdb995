"""Metrics over time (GET /api/tasks/metrics/): counts and percentiles per time bucket and
per task, read from the rollups (task_manager.rollups), never from the executions.

A range reads the rows of one period: minutes for the last hour (one bucket a minute),
hours for a day or a week (a bucket an hour), days for 30 days (a bucket a day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from task_manager.models import ExecutionRollup, RollupPeriod
from task_manager.rollups import SUMS, Tally, floor_to, quantile

# range -> (its length, the rollup period it reads, the bucket's length)
RANGES: dict[str, tuple[timedelta, str, timedelta]] = {
    "1h": (timedelta(hours=1), RollupPeriod.MINUTE, timedelta(minutes=1)),
    "24h": (timedelta(hours=24), RollupPeriod.HOUR, timedelta(hours=1)),
    "7d": (timedelta(days=7), RollupPeriod.HOUR, timedelta(hours=1)),
    "30d": (timedelta(days=30), RollupPeriod.DAY, timedelta(days=1)),
}


def bucket_starts(range_name: str, now: datetime) -> list[datetime]:
    """The buckets' starts, oldest first; the last one holds `now` (it is still filling)."""
    length, _, step = RANGES[range_name]
    last = floor_to(now, step)
    count = int(length / step)
    return [last - step * (count - 1 - index) for index in range(count)]


def tally_summary(tally: Tally) -> dict[str, Any]:
    def seconds(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "succeeded": tally.succeeded,
        "failed": tally.failed,
        "retried": tally.retried,
        "cancelled": tally.cancelled,
        "runtime_p50": seconds(quantile(tally.runtime_buckets, 0.5)),
        "runtime_p95": seconds(quantile(tally.runtime_buckets, 0.95)),
        "runtime_p99": seconds(quantile(tally.runtime_buckets, 0.99)),
        "wait_p50": seconds(quantile(tally.wait_buckets, 0.5)),
        "wait_p95": seconds(quantile(tally.wait_buckets, 0.95)),
    }


def execution_metrics(
    *, range_name: str, module: str = "", name: str = "", queue: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The range's buckets (every one, empty ones too) and a row per task name."""
    now = now or timezone.now()
    _, period, step = RANGES[range_name]
    starts = bucket_starts(range_name, now)
    rows = ExecutionRollup.objects.filter(period=period, start__gte=starts[0])
    for field, value in (("module", module), ("task_name", name), ("queue", queue)):
        if value:
            rows = rows.filter(**{field: value})
    # The database sums the rows: per period start, and per task name.
    buckets = {start: Tally() for start in starts}
    for sums in rows.order_by().values("start").annotate(**SUMS):
        bucket = buckets.get(floor_to(sums["start"], step))
        if bucket is not None:  # else ahead of this clock (another host's): in the next answer
            bucket.add(sums)
    tasks: dict[str, Tally] = {}
    modules: dict[str, str] = {}
    per_task_sums = rows.order_by().values("task_name").annotate(module_name=Max("module"), **SUMS)
    for per_task in per_task_sums:
        tasks.setdefault(per_task["task_name"], Tally()).add(per_task)
        modules[per_task["task_name"]] = per_task["module_name"]
    return {
        "range": range_name,
        "bucket_seconds": int(step.total_seconds()),
        "from": starts[0].isoformat(),
        "to": now.isoformat(),
        "buckets": [
            {"start": start.isoformat(), **tally_summary(tally)} for start, tally in buckets.items()
        ],
        "tasks": task_table(tasks, modules),
    }


def task_table(tasks: dict[str, Tally], modules: dict[str, str]) -> list[dict[str, Any]]:
    table = []
    for task_name, tally in tasks.items():
        ended = tally.succeeded + tally.failed
        table.append({
            "name": task_name,
            "module": modules.get(task_name, ""),
            **tally_summary(tally),
            "failure_rate": round(tally.failed / ended, 4) if ended else None,
            "runtime_mean": round(tally.runtime_sum / tally.started, 4) if tally.started else None,
        })  # fmt: skip
    return sorted(table, key=lambda row: (-(row["succeeded"] + row["failed"]), row["name"]))
