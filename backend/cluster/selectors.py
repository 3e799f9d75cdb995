"""Reads of the Celery cluster for staff: Flower's view when it answers, Celery's otherwise;
and the audit of the admin actions.

When Flower is unreachable or answers garbage, the workers still show: Celery's own
`inspect` (stats, active queues, active tasks) asked in parallel with TASKPULSE_INSPECT_TIMEOUT,
and the queue lengths read from the broker. The worst case is FLOWER_TIMEOUT plus that
timeout and a small grace (1.5 s + 1.2 s by default); both answers are cached like Flower's.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from cluster.cache import cached_call
from cluster.flower.parsing import as_dict, as_int, flower_version, worker_row
from cluster.flower.service import DASHBOARD_URL, FlowerService
from cluster.models import AuditRecord
from config.celery import app as celery_app
from task_manager.broker import queue_depths

logger = logging.getLogger(__name__)

INSPECT_METHODS = ("stats", "active_queues", "active")
# How long past its timeout an inspect may run before its part counts as unknown.
INSPECT_GRACE = 0.2
FALLBACK_CACHE_KEY = "cluster:celery-workers"

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="inspect")


def now_iso() -> str:
    return datetime.now(tz=UTC).isoformat()


def inspect_replies(timeout: float) -> dict[str, dict[str, Any]]:
    """{method: {worker: reply}} from Celery's inspect, the methods asked side by side."""

    def ask(method: str) -> dict[str, Any]:
        inspect = celery_app.control.inspect(timeout=timeout)
        return as_dict(getattr(inspect, method)())

    calls = {method: _pool.submit(ask, method) for method in INSPECT_METHODS}
    deadline = time.monotonic() + timeout + INSPECT_GRACE
    replies = {}
    for method, call in calls.items():
        try:
            replies[method] = call.result(timeout=max(deadline - time.monotonic(), 0.01))
        except Exception as exc:  # broker down, timeout: that part is unknown
            logger.warning("celery inspect %s failed: %r", method, exc)
            replies[method] = {}
    return replies


def celery_workers(timeout: float) -> list[dict[str, Any]]:
    """The workers that answer Celery's inspect now, in the shape of Flower's rows."""
    replies = inspect_replies(timeout)
    names = sorted(set(replies["stats"]) | set(replies["active_queues"]))
    rows = []
    for name in names:
        stats = as_dict(replies["stats"].get(name))
        info = {"stats": stats, "active_queues": replies["active_queues"].get(name)}
        row = worker_row(name, info, {})
        active = replies["active"].get(name)
        totals = as_dict(stats.get("total")).values()
        row.update(
            status="online",  # it answered just now
            active=len(active) if isinstance(active, list) else None,
            processed=sum(n for n in totals if as_int(n) is not None),
            inspected_at=now_iso(),
        )
        rows.append(row)
    return rows


def fallback_workers() -> list[dict[str, Any]]:
    timeout = settings.TASKPULSE_INSPECT_TIMEOUT
    rows = cached_call(
        FALLBACK_CACHE_KEY,
        lambda: celery_workers(timeout),
        seconds=settings.FLOWER_CACHE_SECONDS,
        budget=timeout + INSPECT_GRACE,
    )
    return rows or []


def broker_queue_lengths(workers: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    names = {celery_app.conf.task_default_queue}
    for row in workers:
        names.update(row["queues"] or [])
    try:
        lengths = {
            name: depth.ready
            for name, depth in queue_depths(
                names, timeout=settings.TASKPULSE_INSPECT_TIMEOUT
            ).items()
        }
    except Exception as exc:  # the broker is down too: the lengths are unknown
        logger.warning("queue lengths unavailable: %r", exc)
        return None
    return [{"name": name, "messages": count} for name, count in sorted(lengths.items())]


INSPECTED_FIELDS = ("pool", "pool_size", "concurrency", "queues", "pid")


def with_inspected_fields(workers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flower knows a worker that started after it only from its events: no pool, no queues,
    until someone asks Flower to inspect (`refresh`), which the Workers page showed as "—".
    Those fields come from Celery's own inspect then (cached like the fallback)."""
    missing = [row for row in workers if row["status"] == "online" and not row["queues"]]
    if not missing:
        return workers
    inspected = {row["name"]: row for row in fallback_workers()}
    for row in missing:
        found = inspected.get(row["name"])
        if found is not None:
            row.update({field: found[field] for field in INSPECTED_FIELDS if found.get(field)})
    return workers


def cluster_workers(*, refresh: bool = False) -> dict[str, Any]:
    """GET /api/tasks/workers/: every worker; `refresh` asks Flower to inspect them anew."""
    snapshot = FlowerService.from_settings().snapshot(refresh=refresh)
    if snapshot is not None:
        return {
            "flower": "ok",
            "source": "flower",
            "refreshed": refresh,
            "fetched_at": snapshot["fetched_at"],
            "workers": with_inspected_fields(snapshot["workers"]),
        }
    return {
        "flower": "unavailable",
        "source": "celery",
        "refreshed": False,
        "fetched_at": now_iso(),
        "workers": fallback_workers(),
    }


def totals(workers: list[dict[str, Any]], queues: list[dict[str, Any]] | None) -> dict[str, Any]:
    def total(field: str) -> int | None:
        values = [row[field] for row in workers if row[field] is not None]
        return sum(values) if values else None

    return {
        "workers": len(workers),
        "online": sum(row["status"] == "online" for row in workers),
        "active": total("active"),
        "processed": total("processed"),
        "failed": total("failed"),
        "queued": sum(q["messages"] or 0 for q in queues) if queues is not None else None,
    }


def cluster_overview() -> dict[str, Any]:
    """GET /api/tasks/flower-info/: Flower's reachability, version, dashboard, totals."""
    snapshot = FlowerService.from_settings().snapshot()
    if snapshot is not None:
        workers, queues = snapshot["workers"], snapshot["queues"]
    else:
        workers = fallback_workers()
        queues = broker_queue_lengths(workers)
    return {
        "flower": "ok" if snapshot is not None else "unavailable",
        "reachable": snapshot is not None,
        "version": flower_version() if snapshot is not None else None,
        "dashboard_url": DASHBOARD_URL,
        "source": "flower" if snapshot is not None else "celery",
        "totals": totals(workers, queues),
        "queues": queues,
        "task_counts": snapshot["task_counts"] if snapshot is not None else None,
        "fetched_at": snapshot["fetched_at"] if snapshot is not None else now_iso(),
    }


def execution_flower_view(*, task_id: str) -> dict[str, Any] | None:
    """Flower's view of an execution's task, or None (unknown to Flower, or unavailable)."""
    return FlowerService.from_settings().task_info(task_id)


def audit_list(*, action: str | None = None, target: str | None = None) -> QuerySet[AuditRecord]:
    """Admin actions on the cluster, newest first."""
    queryset = AuditRecord.objects.select_related("user").order_by("-created_at", "-id")
    if action:
        queryset = queryset.filter(action=action)
    return queryset.filter(target=target) if target else queryset
