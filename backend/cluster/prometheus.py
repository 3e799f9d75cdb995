"""GET /metrics for Prometheus: celery-exporter's names, and TaskPulse's own.

Every value is read at scrape time from what all processes share, by a custom collector:
the per-minute rollups of finished executions (task_manager.rollups) for the task counters
and histograms, the executions table for the gauges, the Redis broker for queue lengths,
the cached worker list (Flower or Celery's inspect) for the workers, and the counters every
process adds to in Redis (task_manager.counters). Not prometheus_client's multiprocess mode:
that sums files of one host's processes, and TaskPulse's writers are Celery workers on
other hosts and web processes that restart; here any web process answers the same numbers,
and they survive restarts.

Counters count finished executions: an execution is counted as sent, received and started
when it ends (so the counters only grow, and each name's are consistent with one another);
`taskpulse_executions{status}` shows those still under way.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from cluster.queues import known_queue_names
from cluster.selectors import cluster_workers
from task_manager import counters
from task_manager.broker import queue_depths
from task_manager.histograms import BOUNDS
from task_manager.models import ACTIVE_STATUSES, ExecutionRollup, RollupPeriod, TaskExecution
from task_manager.rollups import SUMS, Tally

logger = logging.getLogger(__name__)

TASK_LABELS = ["name", "hostname", "queue_name"]
TASK_COUNTERS = {  # celery-exporter's name -> what the rollup counts
    "celery_task_sent": "finished",
    "celery_task_received": "started",
    "celery_task_started": "started",
    "celery_task_succeeded": "succeeded",
    "celery_task_failed": "failed",
    "celery_task_retried": "retried",
    "celery_task_revoked": "cancelled",
}
RECOVERY_ACTIONS = ("sent", "requeued", "failed", "admitted")


def exported_names() -> set[str]:
    """Every metric family name /metrics may answer (what monitoring/ may refer to)."""
    return set(TASK_COUNTERS) | {
        "celery_task_runtime", "celery_task_queue_wait_time", "celery_queue_length",
        "celery_worker_up", "celery_worker_tasks_active", "taskpulse_executions",
        "taskpulse_websocket_connections", "taskpulse_events_published",
        "taskpulse_reports_coalesced", "taskpulse_recovery_actions",
    }  # fmt: skip


class TaskPulseCollector(Collector):
    """Builds every family anew at each scrape; a source that fails leaves out its own."""

    def collect(self) -> Iterator[Any]:
        for part in (self.task_metrics, self.execution_gauges, self.queue_lengths,
                     self.worker_metrics, self.shared_counters):  # fmt: skip
            try:
                yield from part()
            except Exception:  # one source down must not hide the others
                logger.warning("metrics: %s failed", part.__name__, exc_info=True)

    def task_metrics(self) -> Iterator[Any]:
        tallies: dict[tuple[str, str, str], Tally] = {}
        totals = ExecutionRollup.objects.filter(period=RollupPeriod.TOTAL).order_by()
        for sums in totals.values("task_name", "worker", "queue").annotate(**SUMS):
            key = (sums["task_name"], sums["worker"], sums["queue"])
            tallies.setdefault(key, Tally()).add(sums)
        families = {
            name: CounterMetricFamily(
                name, f"Tasks counted as {field} (at their end).", labels=TASK_LABELS
            )
            for name, field in TASK_COUNTERS.items()
        }
        runtime = HistogramMetricFamily(
            "celery_task_runtime", "Task runtime in seconds.", labels=TASK_LABELS
        )
        wait = HistogramMetricFamily(
            "celery_task_queue_wait_time", "Seconds from queued to started.", labels=TASK_LABELS
        )
        for (name, hostname, queue), tally in sorted(tallies.items()):
            labels = [name, hostname, queue]
            for family_name, field in TASK_COUNTERS.items():
                families[family_name].add_metric(labels, getattr(tally, field))
            runtime.add_metric(labels, cumulative(tally.runtime_buckets), tally.runtime_sum)
            wait.add_metric(labels, cumulative(tally.wait_buckets), tally.wait_sum)
        yield from families.values()
        yield runtime
        yield wait

    def execution_gauges(self) -> Iterator[Any]:
        family = GaugeMetricFamily(
            "taskpulse_executions", "Executions under way, by status and module.",
            labels=["status", "module"],
        )  # fmt: skip
        rows = (
            TaskExecution.objects.filter(status__in=ACTIVE_STATUSES)
            .values("status", "module")
            .annotate(n=Count("id"))
            .order_by("status", "module")
        )
        for row in rows:
            family.add_metric([row["status"], row["module"]], row["n"])
        yield family

    def queue_lengths(self) -> Iterator[Any]:
        family = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting in the queue.", labels=["queue_name"]
        )
        workers = cluster_workers()["workers"]
        depths = queue_depths(known_queue_names(workers), timeout=2)
        for queue, depth in sorted(depths.items()):
            family.add_metric([queue], depth.ready)
        yield family

    def worker_metrics(self) -> Iterator[Any]:
        up = GaugeMetricFamily("celery_worker_up", "1 if it is online.", labels=["hostname"])
        active = GaugeMetricFamily(
            "celery_worker_tasks_active", "Tasks the worker runs now.", labels=["hostname"]
        )
        for row in cluster_workers()["workers"]:
            up.add_metric([row["name"]], 1 if row.get("status") == "online" else 0)
            active.add_metric([row["name"]], row.get("active") or 0)
        yield up
        yield active

    def shared_counters(self) -> Iterator[Any]:
        values = counters.SharedCounters.read()
        sockets = counters.ProcessGauge.read_total()
        yield GaugeMetricFamily(
            "taskpulse_websocket_connections", "Open WebSockets (all web processes).", sockets
        )
        yield CounterMetricFamily(
            "taskpulse_events_published",
            "Events handed to the channel layer.",
            value=values.get("events_published", 0),
        )
        yield CounterMetricFamily(
            "taskpulse_reports_coalesced",
            "Progress reports merged into a pending write.",
            value=values.get("reports_coalesced", 0),
        )
        recovery = CounterMetricFamily(
            "taskpulse_recovery_actions", "What recovery did.", labels=["action"]
        )
        for action in RECOVERY_ACTIONS:
            recovery.add_metric([action], values.get(f"recovery_actions:{action}", 0))
        yield recovery


def cumulative(buckets: list[int]) -> list[tuple[str, float]]:
    """Per-bucket counts as Prometheus' cumulative (le, count) pairs, +Inf last."""
    pairs, running = [], 0
    for bound, count in zip([*map(str, BOUNDS), "+Inf"], buckets, strict=False):
        running += count
        pairs.append((bound, float(running)))
    return pairs


registry = CollectorRegistry(auto_describe=False)
registry.register(TaskPulseCollector())


def scrape_allowed(request: HttpRequest) -> bool:
    """With a token, only `Authorization: Bearer <token>`; else the allow-listed addresses."""
    token = settings.TASKPULSE_METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(given.strip(), token)
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.TASKPULSE_METRICS_ALLOW
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: 404 while disabled (nothing says it exists), 403 to a caller not let in."""
    if not settings.TASKPULSE_METRICS:
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if not scrape_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
