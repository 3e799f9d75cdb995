"""Recovery: no execution stays PENDING or running forever.

- PENDING that was never sent (the broker was down at launch): sent now.
- PENDING past its requeue threshold whose message is gone from the broker: sent again,
  up to the template's max retries, then FAILURE.
- PENDING past its timeout: FAILURE ("Timeout").
- STARTED or PROGRESS on a worker that no longer answers, or that answers but holds nothing
  of it (a worker restarted under the same name is a new process: what the old one ran is
  lost): re-queued or FAILURE ("Worker lost"), as the template says.

On RabbitMQ (a broker that redelivers a dead consumer's unacknowledged messages by itself,
task_manager.broker) two answers differ, because the broker already does part of the work:
- a running execution whose worker is lost is left to the broker's redelivered copy, which
  takes it over (task_manager.owners), for TASKPULSE_REDELIVERY_GRACE_SECONDS more; after
  that, while its queue has messages ready (the copy may wait behind them), until its
  pending timeout; only then is it re-queued or failed as above;
- a PENDING execution past its requeue threshold is sent again only when its queue is known
  empty (a passive declare finds no message ready) and no live worker holds it: a queue's
  messages cannot be listed, so one lost in a queue that still has others waits for them.
- Waiting for a turn (task_manager.turns): left alone, its age counting from its admission;
  admitted when a turn is free but no end passed it on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from task_manager import launching
from task_manager.broker import Broker, open_broker
from task_manager.lifecycle import execution_finish, tracking_info
from task_manager.models import (
    RUNNING_STATUSES,
    ExecutionKind,
    ExecutionStatus,
    TaskExecution,
    WorkerLostPolicy,
)
from task_manager.writes import execution_lock, execution_set_status

logger = logging.getLogger(__name__)
S = ExecutionStatus


@dataclass
class RecoveryReport:
    sent: int = 0
    requeued: int = 0
    failed: int = 0
    admitted: int = 0


def max_requeues(execution: TaskExecution) -> int:
    template = execution.template
    return template.max_retries if template is not None else settings.TASKPULSE_MAX_REQUEUES


def pending_thresholds(execution: TaskExecution) -> tuple[int, int]:
    """Seconds before a PENDING execution is re-queued, and before it fails."""
    template = execution.template
    requeue_after = template.pending_requeue_after if template else None
    timeout = template.pending_timeout if template else None
    return (
        requeue_after or settings.TASKPULSE_PENDING_REQUEUE_AFTER,
        timeout or settings.TASKPULSE_PENDING_TIMEOUT,
    )


def live_workers() -> set[str] | None:
    """Hostnames of the workers that answer a ping; None when the broker cannot be asked."""
    try:
        replies = celery_app.control.ping(timeout=1.0) or []
    except Exception:
        logger.warning("recovery: cannot ping workers", exc_info=True)
        return None
    return {name for reply in replies for name in reply}


def tasks_held(task_ids: list[str], workers: set[str]) -> set[str] | None:
    """Which of these tasks the live workers hold (reserved, active or scheduled); None when
    they cannot be asked, or one of them did not answer (it may be the one holding them)."""
    if not task_ids:
        return set()
    try:
        # Back as soon as every live worker answered, at the latest after the timeout.
        inspect = celery_app.control.inspect(timeout=1.0, limit=len(workers) or None)
        replies = inspect.query_task(*task_ids) or {}
    except Exception:
        logger.warning("recovery: cannot ask workers what they hold", exc_info=True)
        return None
    if not workers <= set(replies):
        return None
    return {task_id for tasks in replies.values() for task_id in tasks}


def recover(now: datetime | None = None, broker: Broker | None = None) -> RecoveryReport:
    now = now or timezone.now()
    report = RecoveryReport()
    report.admitted = launching.executions_admit_waiting()
    workers = live_workers()
    own = broker is None
    broker = broker or open_broker()
    try:
        recover_pending(now, broker, workers, report)
        if workers is not None:
            recover_running(now, broker, workers, report)
    finally:
        if own:
            broker.close()
    if report.sent or report.requeued or report.failed or report.admitted:
        logger.info("recovery: %s", report)
    return report


def recover_pending(
    now: datetime, broker: Broker, workers: set[str] | None, report: RecoveryReport
) -> None:
    pending = list(
        TaskExecution.objects.filter(
            status=S.PENDING, admitted_at__isnull=False, kind=ExecutionKind.CELERY
        ).select_related("template")
    )
    stale = []
    for execution in pending:
        requeue_after, timeout = pending_thresholds(execution)
        age = (now - (execution.admitted_at or execution.created_at)).total_seconds()
        if age > timeout:
            fail(execution, f"Timeout: not started within {timeout}s")
            report.failed += 1
        elif execution.queued_at is None:
            # Never sent (the broker was down at launch). A launch still on its way to the
            # broker looks the same for a moment: sending it too would run it twice.
            if age > settings.TASKPULSE_UNSENT_GRACE_SECONDS:
                report.sent += launching.execution_send(execution.pk)
        elif (now - execution.queued_at).total_seconds() > requeue_after:
            stale.append(execution)
    if not stale:
        return
    present = broker.maybe_queued(by_queue(stale))
    unacked = broker.unacked_tags()
    if broker.redelivers_on_disconnect:
        # In no queue known to hold it: taken by a worker (the broker's until acknowledged,
        # and given back if that worker dies), or lost. Only the live workers can tell.
        taken = [e for e in stale if e.task_id not in present]
    else:
        taken = [e for e in stale if e.task_id in unacked]
    orphans = taken_by_dead_workers(taken, workers)
    for execution in stale:
        if execution.task_id in orphans:
            if execution.task_id in unacked:
                broker.drop_unacked(unacked[execution.task_id])
        elif execution.task_id in present or execution.task_id in unacked:
            continue
        elif broker.redelivers_on_disconnect:
            continue  # held by a live worker, or not known: the broker still has it
        if execution.requeue_count < max_requeues(execution):
            report.requeued += requeue(execution, "Message lost; re-queued")
        else:
            fail(execution, "Timeout: message lost and no re-queue left")
            report.failed += 1


def queue_of(execution: TaskExecution) -> str:
    return execution.queue or celery_app.conf.task_default_queue


def by_queue(executions: list[TaskExecution]) -> dict[str, list[str]]:
    """Task ids by the queue their message went to."""
    grouped: dict[str, list[str]] = {}
    for execution in executions:
        grouped.setdefault(queue_of(execution), []).append(execution.task_id)
    return grouped


def taken_by_dead_workers(candidates: list[TaskExecution], workers: set[str] | None) -> set[str]:
    """Task ids of PENDING executions whose message a worker took but never started.

    Every live worker answers for the messages it holds (reserved, active or scheduled); a
    message held by none of them belonged to a worker that died between taking it and
    starting it, and would otherwise wait for the broker's visibility timeout (hours).
    """
    if not candidates or workers is None:
        return set()
    held = tasks_held([e.task_id for e in candidates], workers)
    if held is None:
        return set()
    return {e.task_id for e in candidates if e.task_id not in held}


def recover_running(
    now: datetime, broker: Broker, workers: set[str], report: RecoveryReport
) -> None:
    quiet_since = now - timedelta(seconds=settings.TASKPULSE_WORKER_LOST_AFTER)
    quiet = list(
        TaskExecution.objects.filter(
            status__in=RUNNING_STATUSES, updated_at__lt=quiet_since, kind=ExecutionKind.CELERY
        ).select_related("template")
    )
    on_live = [e.task_id for e in quiet if e.worker in workers and not e.waits_for_children]
    held = tasks_held(on_live, workers)
    if held is None:
        held = set(on_live)  # a worker did not answer: what it holds is not known
    lost = [e for e in quiet if is_lost(e, workers, held)]
    if not lost:
        return
    unacked = broker.unacked_tags()
    awaited = awaiting_redelivery(now, broker, lost) if broker.redelivers_on_disconnect else set()
    for execution in lost:
        if execution.task_id in unacked:
            broker.drop_unacked(unacked[execution.task_id])
        if execution.waits_for_children:
            continue  # its own work is done; its children end it, each recovered on its own
        if execution.task_id in awaited:
            continue  # the broker gives its message back; that copy takes the execution over
        policy = worker_lost_policy(execution)
        if policy == WorkerLostPolicy.REQUEUE and execution.requeue_count < max_requeues(execution):
            report.requeued += requeue(execution, f"Worker lost ({execution.worker}); re-queued")
        else:
            fail(execution, f"Worker lost ({execution.worker or 'unknown worker'})")
            report.failed += 1


def awaiting_redelivery(now: datetime, broker: Broker, lost: list[TaskExecution]) -> set[str]:
    """Task ids of lost executions whose message the broker (AMQP) may still redeliver: quiet
    for less than TASKPULSE_REDELIVERY_GRACE_SECONDS past the worker-lost threshold, or for
    less than their pending timeout while their queue has messages ready."""
    grace = settings.TASKPULSE_WORKER_LOST_AFTER + settings.TASKPULSE_REDELIVERY_GRACE_SECONDS
    awaited, queued_behind = set(), []
    for execution in lost:
        quiet = (now - execution.updated_at).total_seconds()
        if quiet < grace:
            awaited.add(execution.task_id)
        elif quiet < pending_thresholds(execution)[1]:
            queued_behind.append(execution)
    if queued_behind:
        awaited |= broker.maybe_queued(by_queue(queued_behind))
    return awaited


def is_lost(execution: TaskExecution, workers: set[str], held: set[str]) -> bool:
    """Its worker no longer answers; or it answers and holds nothing of it: a worker started
    again under the same name (`make run`, a container that keeps its hostname) is a new
    process, and what the old one ran is lost with it."""
    if execution.worker not in workers:
        return True
    return not execution.waits_for_children and execution.task_id not in held


def worker_lost_policy(execution: TaskExecution) -> str:
    """The template's policy, else what the task declared (@track_task(on_worker_lost=))."""
    if execution.template is not None:
        return execution.template.on_worker_lost
    declared = tracking_info(execution.task_name).get("on_worker_lost")
    return declared or WorkerLostPolicy.FAIL


def requeue(execution: TaskExecution, message: str) -> bool:
    """Send the execution again, unless it changed since recovery read it (`seq` grows with
    every change; a take-over changes its owner): a worker started it meanwhile, or another
    recovery already re-queued it. Two recoveries at once (their lock expired under a slow
    run, or was lost with a Redis restart) then re-queue it once, not twice."""
    with transaction.atomic():
        locked = execution_lock(execution.pk)
        if locked.is_finished or (locked.seq, locked.owner) != (execution.seq, execution.owner):
            return False
        execution_set_status(
            locked, S.PENDING, message=message, requeue_count=locked.requeue_count + 1,
            worker="", owner="", queued_at=None,
        )  # fmt: skip
    launching.execution_send(execution.pk)
    return True


def fail(execution: TaskExecution, reason: str) -> None:
    execution_finish(execution.task_id, S.FAILURE, error=reason, message=reason)


def purge_old_executions(now: datetime | None = None, batch: int = 1000) -> int:
    """Delete finished executions (and their logs) older than TASKPULSE_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TASKPULSE_RETENTION_DAYS)
    old = TaskExecution.objects.filter(finished_at__lt=cutoff, parent__isnull=True)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        deleted += (
            TaskExecution.objects.filter(pk__in=ids).delete()[1].get(TaskExecution._meta.label, 0)
        )
    return deleted
