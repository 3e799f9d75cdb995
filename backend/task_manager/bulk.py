"""Bulk actions on executions: cancel, retry or delete many at once, as a tracked task.

`executions_bulk_launch` takes the ids the caller may act on (resolved from ids or from the
list's filters by the API, within what the caller sees), records the action in the audit
trail (cluster's AuditRecord: who, what, the ids or filter asked, how many), and launches
the bulk job, itself a TaskPulse execution of the caller. The job
(`executions_bulk_run`) acts on each execution in turn, with the caller's rights checked
again for each: its items count the executions acted on (processed) and those it could
not act on (failed), and its log names each failure and why. It stops at a cancel
(within a coalescing interval).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.exceptions import APIException, ValidationError

from cluster.services import audit_record_create
from task_manager import selectors
from task_manager.launching import ExecutionFinished, execution_cancel, execution_launch
from task_manager.models import ACTIVE_STATUSES, ExecutionStatus, LogLevel, TaskExecution
from task_manager.retries import RetryNotAllowed, execution_retry
from task_manager.tracking import ProgressReporter

BULK_TASK = "task_manager.bulk_executions"
ACTIONS = ("cancel", "retry", "delete")
STAFF_ACTIONS = frozenset({"delete"})
LABELS = {"cancel": "Cancel", "retry": "Retry", "delete": "Delete"}


class CannotAct(Exception):
    """Why one execution of a bulk job was not acted on (a line of the job's log)."""


def executions_bulk_launch(
    *, user: User, action: str, ids: list[int], asked: dict[str, Any]
) -> TaskExecution:
    """Audit the bulk action and launch its job; `asked` is what the caller sent (ids or
    filter), kept in the audit record."""
    count = len(ids)
    with transaction.atomic():
        job = execution_launch(
            task=BULK_TASK, user=user, kwargs={"action": action, "ids": ids},
            title=f"{LABELS[action]} {count} execution{'s' if count != 1 else ''}",
        )  # fmt: skip
        job.total_items = count  # the bar counts from the start, in the 202 too
        job.save(update_fields=["total_items"])
        audit_record_create(
            user=user, action=f"executions.bulk-{action}", target=f"execution {job.pk}",
            params={**asked, "count": count}, ok=True,
            result=f"bulk job {job.pk}: {count} matching execution(s)",
        )  # fmt: skip
    return job


def executions_bulk_run(
    *, action: str, ids: list[int], user_id: int | None, progress: ProgressReporter
) -> dict[str, Any]:
    """The bulk job's whole work: act on each execution the user still sees."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    visible = selectors.execution_visible_to(user=user) if user else TaskExecution.objects.none()
    targets = list(visible.filter(pk__in=ids).exclude(pk=progress.execution_id).order_by("pk"))
    progress.step(1, 1, f"{LABELS[action]}: {len(targets)} execution(s)")
    progress.items(total=len(targets), processed=0, failed=0)
    progress.check_cancelled()
    done = 0
    for execution in targets:
        # Each report raises TaskCancelled once a flush saw a cancel (one interval at most).
        try:
            act(action, execution, user=user)  # type: ignore[arg-type]
        except CannotAct as reason:
            progress.log(f"#{execution.pk} {execution.name}: {reason}", level=LogLevel.WARNING)
            progress.advance(processed=0, failed=1)
            continue
        done += 1
        progress.advance(processed=1)
    progress.message(f"{LABELS[action]}: {done} of {len(targets)} done")
    return {"action": action, "total": len(targets), "done": done, "failed": len(targets) - done}


def act(action: str, execution: TaskExecution, *, user: User) -> None:
    """One execution of a bulk job; raises CannotAct with the reason it was not acted on."""
    try:
        if action == "cancel":
            execution_cancel(execution, by=user)
        elif action == "retry":
            execution_retry(execution=execution, by=user)
        elif action == "delete":
            execution_delete(execution=execution, by=user)
    except ExecutionFinished:
        raise CannotAct(f"already {execution.status}") from None
    except (RetryNotAllowed, CannotAct) as exc:
        raise CannotAct(str(exc)) from None
    except (ValidationError, APIException) as exc:  # a launcher's validation, a rate limit
        raise CannotAct(f"refused: {exc.detail}") from None
    except TaskExecution.DoesNotExist:
        raise CannotAct("no longer exists") from None
    except (BrokerError, OSError) as exc:
        raise CannotAct(f"the broker cannot be reached: {exc}") from None


def execution_delete(*, execution: TaskExecution, by: User) -> None:
    """Delete a finished execution (its children, log lines and notifications with it);
    staff only. Its parent's children counters are counted again."""
    if not getattr(by, "is_staff", False):
        raise CannotAct("only staff may delete executions")
    with transaction.atomic():
        row = TaskExecution.objects.select_for_update().filter(pk=execution.pk).first()
        if row is None:
            raise TaskExecution.DoesNotExist()
        if row.is_active:
            raise CannotAct(f"still {row.status}: cancel it first")
        running = row.children.filter(status__in=ACTIVE_STATUSES).count()
        if running:
            raise CannotAct(f"{running} of its children still run: cancel them first")
        row.delete()
        if row.parent_id is not None:
            executions_recount_children([row.parent_id])


def executions_recount_children(parent_ids: list[int]) -> int:
    """Count the children of these executions again (after a delete); rows updated."""

    def counted(condition: Q) -> Coalesce:
        rows = (
            TaskExecution.objects.filter(condition, parent_id=OuterRef("pk"))
            .order_by()
            .values("parent_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return TaskExecution.objects.filter(pk__in=parent_ids).update(
        children_count=counted(Q()),
        children_failed=counted(Q(status=ExecutionStatus.FAILURE)),
    )
