"""Recovery on a broker that redelivers a dead consumer's messages itself (RabbitMQ): it
waits for the broker's copy instead of sending one, and sends a stale PENDING again only
when its queue is known empty and no live worker holds it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from task_manager import recovery
from task_manager.models import TaskTemplate
from task_manager.tests.test_recovery import NOW, execution, quiet, status

__all__ = ["quiet"]  # recovery's fixture: sends recorded, live workers faked
from testing.brokers import FakeAmqpBroker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def thresholds(settings: Any) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 60
    settings.TASKPULSE_REDELIVERY_GRACE_SECONDS = 300
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 120
    settings.TASKPULSE_PENDING_TIMEOUT = 3600


@pytest.fixture
def requeue() -> TaskTemplate:
    return TaskTemplate.objects.create(name="r", module="m", task_name="x",
                                       on_worker_lost="requeue")  # fmt: skip


def test_a_lost_worker_s_execution_waits_for_the_broker_s_redelivery(
    user: User, quiet: list[int], requeue: TaskTemplate
) -> None:
    waiting = execution(user, "waiting", age=200, status="PROGRESS", worker="dead@host",
                        queue="q", template=requeue)  # fmt: skip
    behind = execution(user, "behind", age=900, status="PROGRESS", worker="dead@host",
                       queue="busy", template=requeue)  # fmt: skip
    gone = execution(user, "gone", age=900, status="PROGRESS", worker="dead@host",
                     queue="q", template=requeue)  # fmt: skip
    failed = execution(user, "failed", age=900, status="PROGRESS", worker="dead@host", queue="q")
    broker = FakeAmqpBroker(ready={"busy": 4})

    report = recovery.recover(now=NOW, broker=broker)

    assert (report.requeued, report.failed) == (1, 1)
    assert [status(waiting), status(behind)] == ["PROGRESS", "PROGRESS"]  # still the broker's
    gone.refresh_from_db()
    assert (gone.status, gone.requeue_count, quiet) == ("PENDING", 1, [gone.pk])
    assert status(failed) == "FAILURE"
    assert broker.asked == [["busy", "q"]]  # one passive declare per queue, past the grace


def test_a_lost_execution_queued_behind_others_is_not_waited_for_past_its_pending_timeout(
    user: User, settings: Any, quiet: list[int], requeue: TaskTemplate
) -> None:
    settings.TASKPULSE_PENDING_TIMEOUT = 600
    row = execution(user, "old", age=900, status="PROGRESS", worker="dead@host", queue="busy",
                    template=requeue)  # fmt: skip

    assert recovery.recover(now=NOW, broker=FakeAmqpBroker(ready={"busy": 4})).requeued == 1
    assert status(row) == "PENDING"


def test_a_stale_pending_execution_is_sent_again_only_from_a_queue_known_empty(
    user: User, monkeypatch: pytest.MonkeyPatch, quiet: list[int]
) -> None:
    monkeypatch.setattr(recovery, "tasks_held", lambda ids, workers: {"held"})
    in_busy_queue = execution(user, "busy-1", age=500, queued_age=500, queue="busy")
    held = execution(user, "held", age=500, queued_age=500, queue="q")
    lost = execution(user, "lost", age=500, queued_age=500, queue="q")

    report = recovery.recover(now=NOW, broker=FakeAmqpBroker(ready={"busy": 1}))

    assert report.requeued == 1
    assert quiet == [lost.pk]
    assert [status(in_busy_queue), status(held)] == ["PENDING", "PENDING"]


def test_nothing_is_sent_again_when_the_workers_cannot_say_what_they_hold(
    user: User, monkeypatch: pytest.MonkeyPatch, quiet: list[int]
) -> None:
    monkeypatch.setattr(recovery, "tasks_held", lambda ids, workers: None)
    execution(user, "unknown", age=500, queued_age=500, queue="q")

    assert recovery.recover(now=NOW, broker=FakeAmqpBroker()).requeued == 0
    assert quiet == []
