"""Reads of executions: who sees what, filters, and statistics."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone
from rest_framework.authtoken.models import Token

from task_manager.models import (
    ACTIVE_STATUSES,
    ExecutionStatus,
    TaskExecution,
    TaskLogLine,
    TaskNotification,
)


def execution_visible_to(*, user: User) -> QuerySet[TaskExecution]:
    """Staff see every execution; a user sees their own. Anything else is a 404."""
    queryset = TaskExecution.objects.select_related("user")
    if getattr(user, "is_staff", False):
        return queryset
    return queryset.filter(user_id=user.pk)


def execution_seq_visible_to(*, user: User, execution_id: int) -> int | None:
    """The execution's seq (its ETag), or None when it does not exist or is not theirs."""
    visible = execution_visible_to(user=user).select_related(None)
    return visible.filter(pk=execution_id).values_list("seq", flat=True).first()


def execution_seq_for_token(*, key: str, execution_id: int) -> int | None:
    """execution_seq_visible_to for the active user of a DRF token, in one statement.

    For conditional polls (config.api.polls), hundreds a second: the token's lookup and the
    visibility rule above (staff: every execution; a user: their own) in one query, not two
    ORM queries (~1 ms of query building per poll). test_polls pins both to one answer.
    """
    quote = connection.ops.quote_name
    execution, token, user = (quote(m._meta.db_table) for m in (TaskExecution, Token, User))
    sql = (
        f"SELECT e.seq FROM {execution} e JOIN {token} t ON t.key = %s "  # noqa: S608 - names from _meta
        f"JOIN {user} u ON u.id = t.user_id "
        "WHERE e.id = %s AND u.is_active AND (u.is_staff OR e.user_id = u.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, execution_id])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def execution_list_for_user(*, user: User, module: str | None = None) -> QuerySet[TaskExecution]:
    """The user's own executions, active first, newest first."""
    queryset = TaskExecution.objects.select_related("user").filter(user_id=user.pk)
    if module:
        queryset = queryset.filter(module=module)
    active_first = Case(
        When(status__in=ACTIVE_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return queryset.order_by(active_first, "-created_at", "-id")


def execution_counts_by(*, queryset: QuerySet[TaskExecution], field: str) -> dict[str, int]:
    """How many executions of `queryset` have each value of `field`: one GROUP BY query."""
    rows = queryset.select_related(None).order_by().values_list(field).annotate(n=Count("pk"))
    return {str(value): count for value, count in rows}


def execution_children(*, parent: TaskExecution, user: User) -> QuerySet[TaskExecution]:
    """The children of a (visible) execution that the user sees, oldest first."""
    return execution_visible_to(user=user).filter(parent_id=parent.pk).order_by("created_at", "id")


def execution_log_lines(
    *, execution_id: int, after_seq: int = 0, upto_seq: int | None = None, limit: int | None = None
) -> QuerySet[TaskLogLine]:
    """An execution's log lines after `after_seq` (up to `upto_seq`), oldest first (at most
    `limit`)."""
    queryset = TaskLogLine.objects.filter(execution_id=execution_id, seq__gt=after_seq)
    if upto_seq is not None:
        queryset = queryset.filter(seq__lte=upto_seq)
    queryset = queryset.order_by("seq")
    return queryset[:limit] if limit is not None else queryset


def notification_list(*, user: User, unread: bool = False) -> QuerySet[TaskNotification]:
    queryset = TaskNotification.objects.filter(user_id=user.pk).select_related("execution")
    return queryset.filter(read_at__isnull=True) if unread else queryset


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not values:
        return None
    rank = max(0, min(len(values) - 1, round(fraction * len(values) + 0.5) - 1))
    return round(values[rank], 3)


def execution_stats(
    *, queryset: QuerySet[TaskExecution], days: int, modules: list[str] | None = None
) -> list[dict[str, Any]]:
    """Per module: counts by status, success rate, average and p95 duration, per-day series."""
    since = timezone.now() - timedelta(days=days)
    rows = queryset.filter(created_at__gte=since).values_list(
        "module", "status", "created_at", "started_at", "finished_at"
    )
    by_module: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows.iterator(chunk_size=2000):
        by_module[row[0]].append(row)
    names = sorted(set(by_module) | set(modules or []))
    return [module_summary(name, by_module.get(name, []), since, days) for name in names]


def empty_day() -> dict[str, int]:
    return {"total": 0, "success": 0, "failure": 0}


def module_summary(
    module: str, rows: list[tuple[Any, ...]], since: Any, days: int
) -> dict[str, Any]:
    counts = dict.fromkeys(ExecutionStatus.values, 0)
    durations = []
    series: dict[str, dict[str, int]] = {
        (since + timedelta(days=offset + 1)).date().isoformat(): empty_day()
        for offset in range(days)
    }
    for _, status, created_at, started_at, finished_at in rows:
        counts[status] += 1
        if started_at and finished_at:
            durations.append((finished_at - started_at).total_seconds())
        day = series.setdefault(created_at.date().isoformat(), empty_day())
        day["total"] += 1
        day["success"] += status == ExecutionStatus.SUCCESS
        day["failure"] += status == ExecutionStatus.FAILURE
    finished = counts["SUCCESS"] + counts["FAILURE"] + counts["REVOKED"]
    durations.sort()
    return {
        "module": module,
        "days": days,
        "total": len(rows),
        "counts": counts,
        "success_rate": round(counts["SUCCESS"] / finished, 4) if finished else None,
        "avg_duration": round(sum(durations) / len(durations), 3) if durations else None,
        "p95_duration": percentile(durations, 0.95),
        "per_day": [{"date": date, **values} for date, values in sorted(series.items())],
    }
