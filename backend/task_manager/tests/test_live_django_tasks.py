"""End to end: tasks of Django's tasks framework on its database backend, run by a real
`manage.py db_worker` process, followed by a real WebSocket client of the real web server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from task_manager.django_demo import demo
from task_manager.lifecycle import enqueued_by
from task_manager.models import TaskExecution
from testing.live import LiveServer, wait_until
from testing.ws import WsClient, is_final_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def database_backend() -> Iterator[None]:
    """Enqueued here, the tasks wait in the database for the db_worker process."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def ana_token(ana: User) -> str:
    return Token.objects.create(user=ana).key


def enqueue_demo(user: User, **kwargs: Any) -> TaskExecution:
    with enqueued_by(user):
        result = demo.enqueue(**kwargs)
    return TaskExecution.objects.get(task_id=result.id)


def connect(server: LiveServer, token: str) -> WsClient:
    client = WsClient(server.ws_url, token=token)
    assert client.recv()["type"] == "hello"
    return client


def api_get(server: LiveServer, token: str, path: str) -> dict[str, Any]:
    headers = {"Authorization": f"Token {token}"}
    response = requests.get(f"{server.url}/api/tasks/{path}", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def cancel(server: LiveServer, token: str, execution: TaskExecution) -> requests.Response:
    headers = {"Authorization": f"Token {token}"}
    return requests.post(f"{server.url}/api/tasks/cancel/{execution.pk}/", headers=headers,
                         json={}, timeout=10)  # fmt: skip


def status_of(execution: TaskExecution) -> str:
    return TaskExecution.objects.values_list("status", flat=True).get(pk=execution.pk)


def test_a_task_runs_on_the_db_worker_with_its_progress_live(
    live_db_worker, live_web: LiveServer, ana: User, ana_token: str
) -> None:
    client = connect(live_web, ana_token)
    execution = enqueue_demo(ana, steps=4, step_seconds=0.3)
    assert execution.status == "PENDING"
    client.send({"action": "subscribe", "execution_id": execution.pk, "since_seq": 0})

    messages = client.recv_until(is_final_status(execution.pk), timeout=90)
    client.close()

    mine = [m for m in messages if m.get("execution_id") == execution.pk]
    steps = [m["current_step"] for m in mine if m["type"] == "task.progress"]
    assert steps == sorted(steps)
    assert [s for s in steps if 0 < s < 4], "no progress arrived while it ran"
    logged = [line["message"] for m in mine if m["type"] == "task.log" for line in m["lines"]]
    assert logged == [f"step {n} started" for n in range(1, 5)] + ["all steps done"]
    final = mine[-1]["execution"]
    assert (final["status"], final["progress"], final["result"]) == ("SUCCESS", 100, {"steps": 4})
    assert (final["kind"], final["backend"]) == ("django", "default")
    assert final["worker"] == live_db_worker.worker_id
    assert DBTaskResult.objects.get(id=execution.task_id).status == "SUCCESSFUL"
    listed = api_get(live_web, ana_token, "executions/?kind=django")
    assert [row["id"] for row in listed["results"]] == [execution.pk]


def test_a_queued_task_is_cancelled_and_never_runs_and_a_running_one_stops(
    live_db_worker, live_web: LiveServer, ana: User, ana_token: str
) -> None:
    running = enqueue_demo(ana, steps=1, step_seconds=60)
    wait_until(lambda: status_of(running) in {"STARTED", "PROGRESS"}, timeout=60,
               what="the db_worker to start the first task")  # fmt: skip
    try:
        cancel_queued_then_running(live_web, ana, ana_token, running)
    finally:  # a failed assertion must not leave the worker busy for the next tests
        TaskExecution.objects.filter(pk=running.pk).update(cancel_requested_at=timezone.now())


def cancel_queued_then_running(
    live_web: LiveServer, ana: User, ana_token: str, running: TaskExecution
) -> None:
    queued = enqueue_demo(ana, steps=1, step_seconds=0)  # behind it: the worker is busy

    answer = cancel(live_web, ana_token, queued)

    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "REVOKED"}
    assert not DBTaskResult.objects.filter(id=queued.task_id).exists()

    answer = cancel(live_web, ana_token, running)
    assert answer.json() == {"status": "cancelling"}
    wait_until(lambda: status_of(running) == "REVOKED", timeout=30,
               what="the running task to stop at check_cancelled()")  # fmt: skip
    # The worker is free again: a task enqueued now runs, the cancelled one never did.
    after = enqueue_demo(ana, steps=1, step_seconds=0)
    wait_until(lambda: status_of(after) == "SUCCESS", timeout=60, what="the next task to run")
    assert status_of(queued) == "REVOKED"
    assert TaskExecution.objects.get(pk=queued.pk).started_at is None


def test_a_failure_keeps_its_traceback_for_staff(
    live_db_worker, live_web: LiveServer, ana: User, ana_token: str, staff_user: User
) -> None:
    execution = enqueue_demo(ana, steps=3, step_seconds=0, fail_at_step=2)

    wait_until(lambda: status_of(execution) == "FAILURE", timeout=60, what="the failure")

    staff_token = Token.objects.create(user=staff_user).key
    seen_by_staff = api_get(live_web, staff_token, f"executions/{execution.pk}/")
    seen_by_ana = api_get(live_web, ana_token, f"executions/{execution.pk}/")
    assert seen_by_staff["error"] == "RuntimeError: demo failure at step 2"
    assert "raise RuntimeError" in seen_by_staff["traceback"]
    assert "traceback" not in seen_by_ana
    assert seen_by_ana["current_step"] == 2
    assert seen_by_ana["worker"] == live_db_worker.worker_id
    failures = DBTaskResult.objects.get(id=execution.task_id)
    assert failures.status == "FAILED"
    assert failures.exception_class_path == "builtins.RuntimeError"
