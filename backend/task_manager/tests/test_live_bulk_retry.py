"""End to end with real workers (#17): a bulk cancel of everything matching a filter, and a
retry that sends the task again with its arguments, both through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from task_manager.launching import execution_launch
from task_manager.models import TaskExecution
from testing.live import LiveWorker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = "ops-queue"
HELD = "ops-held"  # no worker consumes it


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def ana_api(ana: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(ana)
    return client


@pytest.fixture
def demo_worker(tmp_path: Path, live_worker: LiveWorker) -> Iterator[LiveWorker]:
    """One pool process on a queue of its own (demo tasks wait behind each other); the
    module's worker runs the bulk jobs on the default queue."""
    worker = LiveWorker(tmp_path / "ops.log", name="ops", concurrency=1, queues=QUEUE)
    yield worker
    worker.stop()


def launch_demo(queue: str = QUEUE, **params: object) -> TaskExecution:
    user = User.objects.get(username="ana")
    return execution_launch(
        task="task_manager.demo", user=user, kwargs=params, options={"queue": queue}
    )


def fresh(execution_id: int) -> TaskExecution:
    return TaskExecution.objects.get(pk=execution_id)


def test_bulk_cancel_of_everything_matching_stops_running_and_queued_work(
    ana_api: APIClient, demo_worker: LiveWorker, other_user: User
) -> None:
    running = launch_demo(steps=100, step_seconds=0.2)
    wait_until(lambda: fresh(running.pk).status == "PROGRESS", what="the first task to run")
    # Queued where no worker reads: on the demo worker's queue, the first of them ran as soon
    # as the running task stopped, at times before the bulk job reached it ("already SUCCESS").
    queued = [launch_demo(HELD, steps=1, step_seconds=0) for _ in range(3)]
    theirs = TaskExecution.objects.create(
        task_id="bob-1", name="task_manager.demo", task_name="task_manager.demo",
        module="demo", user=other_user, status="PENDING",
    )  # fmt: skip

    response = ana_api.post(
        "/api/tasks/executions/bulk/",
        {"action": "cancel", "filter": {"active": True, "module": "demo"}},
        format="json",
    )

    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["total_items"] == 4
    wait_until(lambda: not fresh(job_id).is_active, timeout=30, what="the bulk job to end")
    wait_until(lambda: fresh(running.pk).status == "REVOKED", timeout=15, what="the cancel")
    job = fresh(job_id)
    assert (job.status, job.total_items, job.processed_items, job.failed_items) == (
        "SUCCESS", 4, 4, 0,
    )  # fmt: skip
    assert job.result == {"action": "cancel", "total": 4, "done": 4, "failed": 0}
    assert {fresh(e.pk).status for e in queued} == {"REVOKED"}
    assert all(fresh(e.pk).started_at is None for e in queued)
    assert fresh(theirs.pk).status == "PENDING"  # another user's: not acted on
    detail = ana_api.get(f"/api/tasks/executions/{job_id}/").json()
    assert [(s["name"], s["status"]) for s in detail["steps"]] == [
        ("Act on each execution", "done")
    ]


def test_retry_runs_the_task_again_with_the_same_arguments(
    ana_api: APIClient, demo_worker: LiveWorker
) -> None:
    failed = launch_demo(steps=3, step_seconds=0, fail_at_step=2)
    wait_until(lambda: fresh(failed.pk).status == "FAILURE", what="the task to fail")

    response = ana_api.post(f"/api/tasks/executions/{failed.pk}/retry/")

    assert response.status_code == 201, response.content
    retry_id = response.json()["id"]
    wait_until(lambda: not fresh(retry_id).is_active, timeout=30, what="the retry to end")
    retry, original = fresh(retry_id), fresh(failed.pk)
    assert (retry.status, retry.error) == ("FAILURE", original.error)
    assert retry.error == "RuntimeError: demo failure at step 2"
    assert retry.kwargs == original.kwargs == {"steps": 3, "step_seconds": 0, "fail_at_step": 2}
    assert retry.task_id != original.task_id
    body = ana_api.get(f"/api/tasks/executions/{retry_id}/").json()
    assert body["retry_of"] == failed.pk
    assert [(s["name"], s["status"]) for s in body["steps"]] == [
        ("Step 1 of 3", "done"), ("Step 2 of 3", "failed"), ("Step 3", "skipped"),
    ]  # fmt: skip
    assert ana_api.get(f"/api/tasks/executions/{failed.pk}/").json()["retries"] == [retry_id]
