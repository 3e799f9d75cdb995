"""Retry: send a finished FAILURE or REVOKED execution's task again, with the same arguments.

The new execution belongs to the original's user (staff retrying someone's work retry it
for them) and links back (`retry_of`); the original lists its `retries`. How the task is
sent again depends on how it was launched:

- a module that launches its task itself registers a retrier for the task name (deploy:
  a new deployment with the same params, its validation and rate limit):

      register_retrier("deploy.deploy_vm", retry_deployment)

      def retry_deployment(*, execution, user) -> TaskExecution: ...

- a module whose task cannot run again from its execution refuses it (edi: its uploads are
  deleted once read), and its executions carry `can_retry: false`:

      refuse_retry("edi.import_files", "Upload the files again.")

- a template launch is launched again from its template with its params;
- anything else is sent again with its args, kwargs and queue.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.module_loading import import_string

from task_manager.launchers import template_launch
from task_manager.launching import execution_launch
from task_manager.lifecycle import enqueued_by
from task_manager.models import ExecutionKind, TaskExecution
from task_manager.rules import RETRYABLE_STATUSES, refuse_retry, retry_refusal
from task_manager.writes import execution_touch

__all__ = ["RetryNotAllowed", "execution_retry", "refuse_retry", "register_retrier"]


class RetryNotAllowed(Exception):
    """Not a finished FAILURE or REVOKED execution, or one its module cannot re-run (409)."""


class Retrier(Protocol):
    def __call__(self, *, execution: TaskExecution, user: User) -> TaskExecution: ...


_retriers: dict[str, Retrier] = {}


def register_retrier(task_name: str, retrier: Retrier) -> None:
    """Called from an AppConfig.ready(): executions of `task_name` retry through `retrier`,
    which may raise RetryNotAllowed (with the reason) or DRF's ValidationError."""
    _retriers[task_name] = retrier


def execution_retry(*, execution: TaskExecution, by: User) -> TaskExecution:
    """Launch `execution`'s task again; the new execution, `retry_of` the original."""
    if execution.status not in RETRYABLE_STATUSES:
        state = "still running" if execution.is_active else execution.status
        raise RetryNotAllowed(
            f"Execution {execution.pk} is {state}: only a FAILURE or REVOKED one is retried."
        )
    refusal = retry_refusal(execution.task_name)
    if refusal is not None:
        raise RetryNotAllowed(refusal)
    user = execution.user or by
    with transaction.atomic():
        retry = _launch_again(execution, user)
        retry.retry_of = execution  # before the commit: its first event carries it
        retry.save(update_fields=["retry_of"])
        execution_touch(execution.pk)  # the original's detail lists it: a new ETag
    return retry


def _launch_again(original: TaskExecution, user: User) -> TaskExecution:
    if original.kind == ExecutionKind.DJANGO:
        return _enqueue_again(original, user)
    retrier = _retriers.get(original.task_name)
    if retrier is not None:
        return retrier(execution=original, user=user)
    template = original.template
    if template is not None and isinstance(original.params, dict):
        if not template.enabled:
            raise RetryNotAllowed(f"Its template {template.name!r} is disabled.")
        return template_launch(template=template, user=user, params=original.params)
    options = {"queue": original.queue} if original.queue else None
    return execution_launch(
        task=original.task_name, user=user, args=list(original.args or []),
        kwargs=dict(original.kwargs or {}), title=original.title, options=options,
    )  # fmt: skip


def _enqueue_again(original: TaskExecution, user: User) -> TaskExecution:
    """A django.tasks task enqueued again on its backend; its execution is made by the
    task_enqueued receiver (task_manager.django_tasks)."""
    try:
        task = import_string(original.task_name)
    except ImportError as exc:
        raise RetryNotAllowed(f"Its task {original.task_name!r} no longer exists.") from exc
    if original.backend:
        task = task.using(backend=original.backend)
    with enqueued_by(user):
        result = task.enqueue(*list(original.args or []), **dict(original.kwargs or {}))
    return TaskExecution.objects.get(task_id=str(result.id))
