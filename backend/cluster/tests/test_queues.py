"""GET /api/tasks/queues/ and pause/resume: staff only, real Redis broker, audited."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cluster import queues
from cluster.models import AuditRecord, QueuePause
from task_manager.broker import PRIORITY_SEPARATOR, RedisBroker
from task_manager.models import ExecutionStatus as S
from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_name(
    settings: Any, quick_fallback: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A queue of its own in the test Redis, with no worker (control replies come fast)."""
    settings.FLOWER_URL = "http://127.0.0.1:9"
    monkeypatch.setattr(queues, "CONTROL_TIMEOUT", 0.3)
    name = f"q-{uuid.uuid4().hex[:8]}"
    yield name
    client = RedisBroker().client
    client.delete(name, *(f"{name}{PRIORITY_SEPARATOR}{step}" for step in (3, 6, 9)))


def push_message(name: str, task_id: str) -> None:
    """A message as Kombu's Redis transport stores it (pushed on the left)."""
    RedisBroker().client.lpush(name, json.dumps({"headers": {"id": task_id}, "body": ""}))


def row_of(response: Any, name: str) -> dict[str, Any]:
    rows = [row for row in response.json()["queues"] if row["name"] == name]
    assert len(rows) == 1, response.json()
    return rows[0]


def test_queues_are_for_staff_only(api: APIClient, anonymous_api: APIClient) -> None:
    assert api.get("/api/tasks/queues/").status_code == 403
    assert anonymous_api.get("/api/tasks/queues/").status_code in (401, 403)
    assert api.post("/api/tasks/queues/celery/pause/").status_code == 403


def test_a_queue_shows_its_length_oldest_age_and_executions(
    staff_api: APIClient, queue_name: str
) -> None:
    now = timezone.now()
    oldest = make_execution(
        status=S.PENDING, queue=queue_name, queued_at=now - timedelta(seconds=90)
    )
    newer = make_execution(status=S.PENDING, queue=queue_name, queued_at=now - timedelta(seconds=5))
    make_execution(status=S.STARTED, queue=queue_name)
    push_message(queue_name, oldest.task_id)
    push_message(queue_name, newer.task_id)
    push_message(f"{queue_name}{PRIORITY_SEPARATOR}3", newer.task_id)  # a priority sub-queue

    response = staff_api.get("/api/tasks/queues/")
    assert response.status_code == 200
    row = row_of(response, queue_name)
    assert row["length"] == 3
    assert 85 <= row["oldest_age_seconds"] < 200
    assert row["executions"] == {"PENDING": 2, "STARTED": 1}
    assert row["paused"] is False
    assert row["consumers"] == []


def test_pause_and_resume_are_remembered_and_audited(staff_api: APIClient, queue_name: str) -> None:
    make_execution(status=S.PENDING, queue=queue_name)
    response = staff_api.post(f"/api/tasks/queues/{queue_name}/pause/")
    assert response.status_code == 200, response.json()
    assert response.json()["audit"]["action"] == "queue-pause"
    assert row_of(staff_api.get("/api/tasks/queues/"), queue_name)["paused"] is True
    assert QueuePause.objects.filter(queue=queue_name).exists()

    response = staff_api.post(f"/api/tasks/queues/{queue_name}/resume/")
    assert response.status_code == 200
    assert not QueuePause.objects.filter(queue=queue_name).exists()
    actions = list(AuditRecord.objects.filter(target=queue_name).values_list("action", flat=True))
    assert sorted(actions) == ["queue-pause", "queue-resume"]


def test_an_unknown_queue_or_action_is_a_404(staff_api: APIClient, queue_name: str) -> None:
    assert staff_api.post(f"/api/tasks/queues/{queue_name}/pause/").status_code == 404
    assert staff_api.post("/api/tasks/queues/celery/explode/").status_code == 404
    assert not AuditRecord.objects.exists()


class FakeQueues:
    """The app's amqp.queues as a starting worker holds them (a unit test's fake)."""

    def __init__(self, names: list[str]) -> None:
        self.consume_from = dict.fromkeys(names)

    def deselect(self, names: list[str]) -> None:
        for name in names:
            self.consume_from.pop(name, None)


def test_a_worker_that_starts_while_a_queue_is_paused_drops_it_and_gets_it_back_later() -> None:
    QueuePause.objects.create(queue="reports", workers=["old@h"])
    held = FakeQueues(["celery", "reports"])
    assert queues.worker_skips_paused_queues("new@h", held) == ["reports"]
    assert list(held.consume_from) == ["celery"]
    assert QueuePause.objects.get(queue="reports").workers == ["new@h", "old@h"]
