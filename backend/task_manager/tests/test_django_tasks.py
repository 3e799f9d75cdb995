"""Django's tasks framework tracked through its signals, with the ImmediateBackend (the task
runs inside enqueue()) and the database backend (queued until a db_worker takes it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from task_manager import events, launching
from task_manager.django_demo import add, demo
from task_manager.django_tasks import on_task_enqueued, task_signals
from task_manager.lifecycle import enqueued_by
from task_manager.models import TaskExecution, TaskLogLine, TaskNotification
from task_manager.retries import execution_retry

# Django 6.0 has the framework built in; on 5.2 the django-tasks backport provides it.
TASKS_PACKAGE = "django.tasks" if find_spec("django.tasks") else "django_tasks"
IMMEDIATE = {"BACKEND": f"{TASKS_PACKAGE}.backends.immediate.ImmediateBackend"}
DATABASE = {"BACKEND": "django_tasks_db.DatabaseBackend"}


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The messages pushed to clients, recorded instead of sent."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: sent.append(message))
    return sent


@pytest.fixture(autouse=True)
def immediate_and_database_backends() -> Any:
    with override_settings(TASKS={"default": IMMEDIATE, "db": DATABASE}):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_task_with_context_is_tracked_with_its_progress_and_result(
    user: User, published: list[dict[str, Any]]
) -> None:
    with enqueued_by(user):
        result = demo.enqueue(steps=3, step_seconds=0)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.kind, execution.backend) == ("django", "default")
    assert execution.task_name == "task_manager.django_demo.demo"
    assert execution.status == "SUCCESS"
    assert execution.result == {"steps": 3}
    assert (execution.current_step, execution.total_steps) == (3, 3)
    assert execution.progress == 100.0
    assert execution.user == user
    assert execution.worker == result.worker_ids[-1]
    assert execution.kwargs == {"steps": 3, "step_seconds": 0}
    lines = list(TaskLogLine.objects.filter(execution=execution).values_list("message", flat=True))
    assert lines == ["step 1 started", "step 2 started", "step 3 started", "all steps done"]
    assert TaskNotification.objects.filter(user=user, execution=execution).exists()
    statuses = [m["execution"]["status"] for m in published if m.get("type") == "task.status"]
    assert statuses[-1] == "SUCCESS"


@pytest.mark.django_db(transaction=True)
def test_a_task_without_context_is_tracked_too() -> None:
    result = add.enqueue(2, 3)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.kind, execution.status, execution.result) == ("django", "SUCCESS", 5)
    assert execution.args == [2, 3]
    assert execution.module == "task_manager"


@pytest.mark.django_db(transaction=True)
def test_a_failure_keeps_its_error_and_traceback() -> None:
    result = demo.enqueue(steps=3, step_seconds=0, fail_at_step=2)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert execution.status == "FAILURE"
    assert execution.error == "RuntimeError: demo failure at step 2"
    assert "Traceback" in execution.traceback
    assert "raise RuntimeError" in execution.traceback
    assert execution.current_step == 2  # its reports before the failure were written


@pytest.mark.django_db(transaction=True)
def test_a_running_task_stops_at_check_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cancel lands while the task runs: the flag is set by the first report's write.
    original = launching.execution_is_cancel_requested

    def cancel_then_ask(execution_id: int) -> bool:
        TaskExecution.objects.filter(pk=execution_id).update(cancel_requested_at=timezone.now())
        return original(execution_id)

    monkeypatch.setattr("task_manager.tracking.execution_is_cancel_requested", cancel_then_ask)
    result = demo.enqueue(steps=3, step_seconds=0.2)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert execution.status == "REVOKED"
    assert execution.current_step == 1
    assert str(result.status) == "FAILED"  # what the backend itself recorded


@pytest.mark.django_db(transaction=True)
def test_a_queued_database_task_is_pending_then_cancelled_before_it_runs(
    user: User, staff_user: User
) -> None:
    with enqueued_by(user):
        result = demo.using(backend="db").enqueue(steps=2, step_seconds=0)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.status, execution.backend, execution.queue) == ("PENDING", "db", "default")
    assert DBTaskResult.objects.filter(id=result.id).exists()

    assert launching.execution_cancel(execution, by=staff_user) == "REVOKED"

    execution.refresh_from_db()
    assert execution.status == "REVOKED"
    assert not DBTaskResult.objects.filter(id=result.id).exists()  # no worker will run it


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_whose_row_is_gone_is_cancelled_at_once(staff_user: User) -> None:
    result = demo.using(backend="db").enqueue(steps=2, step_seconds=0)
    DBTaskResult.objects.filter(id=result.id).delete()  # pruned, say: no worker will run it
    execution = TaskExecution.objects.get(task_id=result.id)

    assert launching.execution_cancel(execution, by=staff_user) == "REVOKED"


@pytest.mark.django_db(transaction=True)
def test_a_claimed_database_task_is_cancelled_cooperatively(staff_user: User) -> None:
    result = demo.using(backend="db").enqueue(steps=2, step_seconds=0)
    DBTaskResult.objects.filter(id=result.id).get().claim("worker-1")  # a db_worker took it
    execution = TaskExecution.objects.get(task_id=result.id)

    assert launching.execution_cancel(execution, by=staff_user) == "cancelling"

    execution.refresh_from_db()
    assert execution.status == "PENDING"
    assert execution.cancel_requested_at is not None
    assert DBTaskResult.objects.filter(id=result.id).exists()
    with pytest.raises(launching.CancelNotAllowed):
        launching.execution_cancel(execution, by=staff_user, force=True)


def run_db_worker(worker_id: str = "worker-1") -> None:
    """The database backend's worker loop, in this process, until the queue is empty."""
    Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="db", startup_delay=False,
        max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
    ).run()  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_task_to_its_end(user: User) -> None:
    with enqueued_by(user):
        result = demo.using(backend="db").enqueue(steps=2, step_seconds=0)

    run_db_worker("db-worker-7")

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.status, execution.result, execution.worker) == (
        "SUCCESS", {"steps": 2}, "db-worker-7",
    )  # fmt: skip
    assert (execution.current_step, execution.attempt) == (2, 1)
    assert execution.started_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_worker_faster_than_the_enqueue_receiver_does_not_lose_the_user(user: User) -> None:
    # The database backend commits its row, then sends task_enqueued: a db_worker may start
    # the task (and make its execution, without a user) before the enqueuing process's
    # receiver runs.
    with receivers_off(task_signals.task_enqueued, on_task_enqueued):
        result = demo.using(backend="db").enqueue(steps=1, step_seconds=0)
    run_db_worker()
    assert TaskExecution.objects.get(task_id=result.id).user is None

    with enqueued_by(user):
        on_task_enqueued(task_result=result)

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.user, execution.status) == (user, "SUCCESS")


@contextmanager
def receivers_off(signal: Any, receiver: Any) -> Iterator[None]:
    signal.disconnect(receiver, dispatch_uid="taskpulse-enqueued")
    try:
        yield
    finally:
        signal.connect(receiver, dispatch_uid="taskpulse-enqueued")


@pytest.mark.django_db(transaction=True)
def test_a_task_cancelled_before_a_worker_starts_it_never_runs_its_body() -> None:
    # The cancel came while the row could not be removed (a worker was claiming it).
    result = demo.using(backend="db").enqueue(steps=2, step_seconds=0)
    TaskExecution.objects.filter(task_id=result.id).update(cancel_requested_at=timezone.now())

    run_db_worker()

    execution = TaskExecution.objects.get(task_id=result.id)
    assert execution.status == "REVOKED"
    assert execution.current_step == 0  # its first step was never reported
    assert not TaskLogLine.objects.filter(execution=execution).exists()
    assert DBTaskResult.objects.get(id=result.id).status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_a_failed_task_is_retried_on_its_backend(user: User, staff_user: User) -> None:
    with enqueued_by(user):
        result = demo.enqueue(steps=2, step_seconds=0, fail_at_step=1)
    failed = TaskExecution.objects.get(task_id=result.id)

    retry = execution_retry(execution=failed, by=staff_user)

    assert retry.kind == "django"
    assert retry.retry_of == failed
    assert retry.user == user
    assert retry.kwargs == failed.kwargs
    assert TaskExecution.objects.get(pk=retry.pk).status == "FAILURE"  # it failed again
