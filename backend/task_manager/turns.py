"""Turns: at most TASKPULSE_USER_CONCURRENCY[module] of a user's launches run at once.

One user must not fill every worker process with long work (two 80-minute deployments held
both pool processes of a worker and everybody else waited). So a launch beyond the user's
cap for its module is held in the database: its execution is created PENDING, with
`admitted_at` empty and a message saying why ("Waiting: 1 deploy task of yours is
running"), and its message is not sent. When one of the user's admitted executions of that
module ends, the finished hook admits the oldest waiting ones in the same transaction and
sends them once it commits (task_manager.launching). Recovery admits any that a lost
commit or a changed setting left waiting with a free turn.

Why held in the database rather than re-queued by the worker: a task that finds itself
over the cap would need a pool process to find it out and a countdown to try again
(polling, a retry count that task authors see, an ETA message the worker keeps in memory);
a held launch costs no worker anything, shows as waiting from its first second, and starts
the moment a turn frees, in the order launched. Counted are the user's top-level
executions of the module that are admitted and not finished (queued, running or waiting
to retry); children of a fan-out run under their parent's turn.

Locks: a launch locks the user's row, then creates its execution. An end holds its own
execution's row, then locks the user's row, then the waiting rows it admits. A waiting
execution that ends (cancelled) held no turn and takes no further lock.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from task_manager.models import ACTIVE_STATUSES, ExecutionStatus, TaskExecution
from task_manager.rules import Change
from task_manager.writes import execution_lock, save_change

ADMITTED_MESSAGE = "Queued"


def turn_cap(module: str) -> int:
    """The most executions of one user in `module` that may run at once; 0: no limit."""
    return int(settings.TASKPULSE_USER_CONCURRENCY.get(module, 0))


def takes_turns(*, user_id: int | None, module: str, parent_id: int | None = None) -> bool:
    return user_id is not None and parent_id is None and turn_cap(module) > 0


def admitted(*, user_id: int, module: str) -> QuerySet[TaskExecution]:
    """The user's executions of the module that hold a turn."""
    return TaskExecution.objects.filter(
        user_id=user_id, module=module, parent__isnull=True, status__in=ACTIVE_STATUSES,
        admitted_at__isnull=False,
    )  # fmt: skip


def waiting(*, user_id: int, module: str) -> QuerySet[TaskExecution]:
    """The user's executions of the module waiting for a turn, oldest first."""
    return TaskExecution.objects.filter(
        user_id=user_id, module=module, parent__isnull=True, status=ExecutionStatus.PENDING,
        admitted_at__isnull=True,
    ).order_by("created_at", "pk")  # fmt: skip


def lock_user(user_id: int) -> None:
    """Serialize the turn decisions of one user (inside a transaction)."""
    User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()


def wait_reason(*, user_id: int, module: str) -> str | None:
    """Why a new launch must wait, or None when it may run now (holds the user's lock)."""
    lock_user(user_id)
    running = admitted(user_id=user_id, module=module).count()
    if running < turn_cap(module):
        return None
    noun = "task" if running == 1 else "tasks"
    verb = "is" if running == 1 else "are"
    return f"Waiting: {running} {module} {noun} of yours {verb} running"


def admit_waiting(*, user_id: int, module: str) -> list[TaskExecution]:
    """Admit the oldest waiting executions that the free turns allow; the caller sends
    them once the transaction commits."""
    lock_user(user_id)
    chosen = list(waiting(user_id=user_id, module=module).values_list("pk", flat=True))
    if cap := turn_cap(module):  # no cap (any more): every waiting one goes
        chosen = chosen[: max(0, cap - admitted(user_id=user_id, module=module).count())]
    return [admit(pk) for pk in chosen]


def admit(execution_id: int) -> TaskExecution:
    execution = execution_lock(execution_id)
    execution.admitted_at = timezone.now()
    execution.save(update_fields=["admitted_at"])
    save_change(execution, Change(message=ADMITTED_MESSAGE))
    return execution


def waiting_groups() -> list[tuple[int, str]]:
    """(user id, module) of every execution waiting for a turn."""
    rows = (
        TaskExecution.objects.filter(
            status=ExecutionStatus.PENDING, admitted_at__isnull=True, user__isnull=False
        )
        .values_list("user_id", "module")
        .distinct()
        .order_by()
    )
    return [(user_id, module) for user_id, module in rows if user_id is not None]
