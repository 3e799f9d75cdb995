"""Queues: what waits in each (Redis or RabbitMQ), who consumes it, and pausing it (staff).

A pause cancels the queue's consumer on every worker (Celery's `cancel_consumer`) and is
stored (QueuePause), so that a worker that starts while it holds drops the queue before it
consumes anything (`worker_skips_paused_queues`, on `celeryd_after_setup`). A resume gives
the queue back (`add_consumer`) to the workers that consumed it, and to no other. Both are
audited whatever happens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone

from cluster.models import AuditRecord, QueuePause
from cluster.selectors import cluster_workers
from cluster.services import audit_record_create
from config.celery import app as celery_app
from task_manager.broker import QueueDepth, queue_depths
from task_manager.models import ACTIVE_STATUSES, ExecutionRollup, RollupPeriod, TaskExecution

logger = logging.getLogger(__name__)

CONTROL_TIMEOUT = 2.0
RECENT = timedelta(days=7)


class QueueActionFailed(Exception):
    """The broker could not be reached to tell the workers (audited)."""


# --- reads -----------------------------------------------------------------------------


def known_queue_names(workers: Iterable[dict[str, Any]] = ()) -> list[str]:
    """Every queue worth showing: the default one, those routed to, those consumed, those
    paused, and those executions used this week."""
    names = {celery_app.conf.task_default_queue}
    if settings.TASKPULSE_EDI_QUEUE:
        names.add(settings.TASKPULSE_EDI_QUEUE)
    for row in workers:
        names.update(row.get("queues") or [])
    names.update(QueuePause.objects.values_list("queue", flat=True))
    since = timezone.now() - RECENT
    names.update(
        ExecutionRollup.objects.filter(period=RollupPeriod.HOUR, start__gte=since)
        .values_list("queue", flat=True)
        .distinct()
    )
    names.update(
        TaskExecution.objects.filter(status__in=ACTIVE_STATUSES)
        .values_list("queue", flat=True)
        .distinct()
    )
    return sorted(name for name in names if name)


def oldest_ages(depths: dict[str, QueueDepth]) -> dict[str, float | None]:
    """Seconds the oldest waiting message of each queue has waited, or None when the queue is
    empty or its messages are not tracked. The broker's head timestamp when it has one
    (RabbitMQ's management API); else the head message's execution's queued_at (Redis);
    else the oldest waiting execution's queued_at (RabbitMQ without it)."""
    now = timezone.now().timestamp()
    heads = {tid for depth in depths.values() for tid in depth.head_task_ids}
    queued = dict(
        TaskExecution.objects.filter(task_id__in=heads).values_list("task_id", "queued_at")
    )
    unseen = [
        q for q, d in depths.items() if d.ready and not d.head_task_ids and not d.head_timestamp
    ]
    waiting = oldest_waiting(unseen)
    ages: dict[str, float | None] = {}
    for queue, depth in depths.items():
        times = [t.timestamp() for t in (queued.get(tid) for tid in depth.head_task_ids) if t]
        start = depth.head_timestamp or (min(times) if times else waiting.get(queue))
        ages[queue] = round(max(now - start, 0.0), 3) if depth.ready and start else None
    return ages


def oldest_waiting(queues: list[str]) -> dict[str, float]:
    """The queued_at (epoch seconds) of each queue's oldest PENDING execution that was sent."""
    if not queues:
        return {}
    default = celery_app.conf.task_default_queue
    names = [*queues, *([""] if default in queues else [])]  # "" is the default queue
    rows = (
        TaskExecution.objects.filter(status="PENDING", queue__in=names, queued_at__isnull=False)
        .values("queue")
        .annotate(oldest=Min("queued_at"))
    )
    oldest: dict[str, float] = {}
    for row in rows:
        queue = row["queue"] or default
        stamp = row["oldest"].timestamp()
        oldest[queue] = min(stamp, oldest.get(queue, stamp))
    return oldest


def executions_by_queue(queues: list[str]) -> dict[str, dict[str, int]]:
    """Active executions per status now, and those finished in the last 24 hours."""
    counts: dict[str, dict[str, int]] = {queue: {} for queue in queues}
    active = (
        TaskExecution.objects.filter(status__in=ACTIVE_STATUSES, queue__in=queues)
        .values("queue", "status")
        .annotate(n=Count("id"))
    )
    for row in active:
        counts[row["queue"]][row["status"]] = row["n"]
    since = timezone.now() - timedelta(hours=24)
    finished = (
        ExecutionRollup.objects.filter(
            period=RollupPeriod.MINUTE, start__gte=since, queue__in=queues
        )
        .values("queue")
        .annotate(SUCCESS=Sum("succeeded"), FAILURE=Sum("failed"), REVOKED=Sum("cancelled"))
    )
    for ended in finished:
        for status in ("SUCCESS", "FAILURE", "REVOKED"):
            counts[ended["queue"]][status] = ended[status] or 0
    return counts


def queue_list() -> dict[str, Any]:
    """GET /api/tasks/queues/: every known queue with its length, latency, consumers,
    pause and executions. A broker that cannot be reached leaves lengths and ages null."""
    workers = cluster_workers()["workers"]
    names = known_queue_names(workers)
    try:
        depths = queue_depths(names, timeout=settings.TASKPULSE_INSPECT_TIMEOUT)
        ages = oldest_ages(depths)
        broker_ok = True
    except Exception as exc:  # the broker is down: lengths unknown, the rest still shows
        logger.warning("queue lengths unavailable: %r", exc)
        depths, ages, broker_ok = {}, {}, False
    paused = {pause.queue: pause for pause in QueuePause.objects.all()}
    executions = executions_by_queue(names)
    rows = []
    for name in names:
        consumers = sorted(w["name"] for w in workers if name in (w.get("queues") or []))
        pause = paused.get(name)
        rows.append({
            "name": name,
            "length": depths[name].ready if name in depths else None,
            "unacknowledged": depths[name].unacked if name in depths else None,
            "oldest_age_seconds": ages.get(name),
            "consumers": consumers,
            "paused": pause is not None,
            "paused_at": pause.paused_at.isoformat() if pause else None,
            "executions": executions[name],
        })  # fmt: skip
    return {"broker": "ok" if broker_ok else "unavailable", "queues": rows}


def paused_queue_names() -> list[str]:
    return list(QueuePause.objects.values_list("queue", flat=True))


# --- pause and resume ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueOutcome:
    record: AuditRecord
    ok: bool


def consumers_of(queue: str) -> list[str]:
    """The workers that consume `queue` now (Celery's inspect; none when none answer)."""
    replies = celery_app.control.inspect(timeout=CONTROL_TIMEOUT).active_queues() or {}
    return sorted(
        worker
        for worker, queues in replies.items()
        if any(isinstance(q, dict) and q.get("name") == queue for q in queues or [])
    )


def queue_pause(*, user: User, queue: str) -> QueueOutcome:
    """Stop every worker consuming `queue`, and remember it (audited)."""
    with transaction.atomic():
        pause, _ = QueuePause.objects.select_for_update().get_or_create(
            queue=queue, defaults={"paused_by": user}
        )
        try:
            workers = consumers_of(queue)
            replies = celery_app.control.cancel_consumer(queue, reply=True, timeout=CONTROL_TIMEOUT)
        except Exception as exc:  # broker down: the pause is stored, workers not told yet
            return _audited(user, "queue-pause", queue, {"workers": pause.workers}, error=exc)
        pause.workers = sorted(set(pause.workers) | set(workers))
        pause.save(update_fields=["workers"])
    told = sorted(worker for reply in replies or [] for worker in reply)
    return _audited(user, "queue-pause", queue, {"workers": pause.workers, "told": told})


def queue_resume(*, user: User, queue: str) -> QueueOutcome:
    """Give `queue` back to the workers that consumed it (audited); forget the pause."""
    with transaction.atomic():
        pause = QueuePause.objects.select_for_update().filter(queue=queue).first()
        workers = pause.workers if pause else []
        try:
            replies = (
                celery_app.control.add_consumer(
                    queue, destination=workers, reply=True, timeout=CONTROL_TIMEOUT
                )
                if workers
                else []
            )
        except Exception as exc:  # broker down: still paused, try again
            return _audited(user, "queue-resume", queue, {"workers": workers}, error=exc)
        if pause is not None:
            pause.delete()
    told = sorted(worker for reply in replies or [] for worker in reply)
    return _audited(user, "queue-resume", queue, {"workers": workers, "told": told})


def _audited(
    user: User, action: str, queue: str, params: dict[str, Any], error: Exception | None = None
) -> QueueOutcome:
    if error is not None:
        logger.warning("%s %s failed: %r", action, queue, error)
        reason = f"The broker could not be reached: {error}"
        record = audit_record_create(
            user=user, action=action, target=queue, params=params, ok=False, error=reason
        )
        return QueueOutcome(record, ok=False)
    record = audit_record_create(
        user=user, action=action, target=queue, params=params, ok=True, result="done"
    )
    return QueueOutcome(record, ok=True)


def worker_skips_paused_queues(hostname: str, queues: Any) -> list[str]:
    """A worker starting up (celeryd_after_setup): drop the paused queues it would consume,
    before it consumes anything, and note it among the workers a resume gives them back to.

    `queues` is the app's amqp.queues (kombu Queues with deselect/consume_from)."""
    try:
        with transaction.atomic():
            skipped = []
            for pause in QueuePause.objects.select_for_update():
                if pause.queue in queues.consume_from:
                    skipped.append(pause.queue)
                    if hostname not in pause.workers:
                        pause.workers = sorted([*pause.workers, hostname])
                        pause.save(update_fields=["workers"])
    except DatabaseError:  # no database: it consumes what it was told to
        logger.warning("paused queues unknown: worker %s consumes all its queues", hostname)
        return []
    if skipped:
        queues.deselect(skipped)
        logger.info("worker %s does not consume paused queues %s", hostname, skipped)
    return skipped
