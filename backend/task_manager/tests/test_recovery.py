from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import events, launching, recovery
from task_manager.models import TaskExecution, TaskLogLine, TaskTemplate
from testing.brokers import FakeBroker

NOW = timezone.now()


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: None)

    def send_execution(pk: int, options: Any = None) -> bool:
        sent.append(pk)
        return True

    monkeypatch.setattr(launching, "execution_send", send_execution)
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@host"})
    # Live workers hold everything asked about, unless a test says otherwise.
    monkeypatch.setattr(recovery, "tasks_held", lambda task_ids, workers: set(task_ids))
    return sent


def execution(user: User, task_id: str, *, age: int, queued_age: int | None = None,
              **fields: Any) -> TaskExecution:  # fmt: skip
    row = TaskExecution.objects.create(user=user, task_id=task_id, name="x", task_name="x",
                                       **fields)  # fmt: skip
    queued_at = NOW - timedelta(seconds=queued_age) if queued_age is not None else None
    TaskExecution.objects.filter(pk=row.pk).update(
        created_at=NOW - timedelta(seconds=age), updated_at=NOW - timedelta(seconds=age),
        admitted_at=NOW - timedelta(seconds=age), queued_at=queued_at,
    )  # fmt: skip
    row.refresh_from_db()
    return row


def status(row: TaskExecution) -> str:
    row.refresh_from_db()
    return row.status


@pytest.mark.django_db
def test_pending_executions(user: User, settings, quiet: list[int]) -> None:
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 120
    settings.TASKPULSE_PENDING_TIMEOUT = 3600
    settings.TASKPULSE_MAX_REQUEUES = 2
    never_sent = execution(user, "never-sent", age=20)
    execution(user, "being-sent", age=2)  # a launch on its way to the broker
    fresh = execution(user, "fresh", age=30, queued_age=30)
    waiting = execution(user, "in-queue", age=500, queued_age=500)
    lost = execution(user, "lost", age=500, queued_age=500)
    exhausted = execution(user, "exhausted", age=500, queued_age=500, requeue_count=2)
    too_old = execution(user, "too-old", age=4000, queued_age=4000)

    report = recovery.recover(now=NOW, broker=FakeBroker(queued={"in-queue"}))

    assert (report.sent, report.requeued, report.failed) == (1, 1, 2)
    assert set(quiet) == {never_sent.pk, lost.pk}
    assert [status(e) for e in (fresh, waiting, lost)] == ["PENDING"] * 3
    lost.refresh_from_db()
    assert (lost.requeue_count, lost.message) == (1, "Message lost; re-queued")
    assert status(exhausted) == "FAILURE"
    too_old.refresh_from_db()
    assert (too_old.status, too_old.error) == ("FAILURE", "Timeout: not started within 3600s")


@pytest.mark.django_db
def test_template_thresholds_override_the_settings(user: User, settings) -> None:
    settings.TASKPULSE_PENDING_TIMEOUT = 3600
    template = TaskTemplate.objects.create(name="t", module="m", task_name="x", pending_timeout=60)
    row = execution(user, "templated", age=90, queued_age=90, template=template)

    recovery.recover(now=NOW, broker=FakeBroker(queued={"templated"}))

    assert status(row) == "FAILURE"


@pytest.mark.django_db
def test_running_executions_of_a_lost_worker(user: User, settings, quiet: list[int]) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 60
    requeue = TaskTemplate.objects.create(name="r", module="m", task_name="x",
                                          on_worker_lost="requeue")  # fmt: skip
    alive = execution(user, "alive", age=600, status="PROGRESS", worker="alive@host")
    recent = execution(user, "recent", age=10, status="PROGRESS", worker="dead@host")
    failed = execution(user, "failed", age=600, status="STARTED", worker="dead@host")
    requeued = execution(user, "requeued", age=600, status="PROGRESS", worker="dead@host",
                         template=requeue)  # fmt: skip
    broker = FakeBroker(unacked={"failed": "tag-1", "requeued": "tag-2"})

    report = recovery.recover(now=NOW, broker=broker)

    assert (report.requeued, report.failed) == (1, 1)
    assert [status(alive), status(recent)] == ["PROGRESS", "PROGRESS"]
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("FAILURE", "Worker lost (dead@host)")
    requeued.refresh_from_db()
    assert (requeued.status, requeued.worker, requeued.requeue_count) == ("PENDING", "", 1)
    assert quiet == [requeued.pk]
    assert sorted(broker.dropped) == ["tag-1", "tag-2"]


@pytest.mark.django_db
def test_running_executions_a_live_worker_does_not_hold_are_lost(
    user: User, settings, monkeypatch: pytest.MonkeyPatch, quiet: list[int]
) -> None:
    """A worker restarted under its name answers the ping, but is a new process: what the
    old one ran is held by nobody."""
    settings.TASKPULSE_WORKER_LOST_AFTER = 60
    asked: list[list[str]] = []

    def held(task_ids: list[str], workers: set[str]) -> set[str]:
        asked.append(sorted(task_ids))
        return {"running"}

    monkeypatch.setattr(recovery, "tasks_held", held)
    requeue = TaskTemplate.objects.create(name="r", module="m", task_name="x",
                                          on_worker_lost="requeue")  # fmt: skip
    running = execution(user, "running", age=600, status="PROGRESS", worker="alive@host")
    orphan = execution(user, "orphan", age=600, status="PROGRESS", worker="alive@host",
                       template=requeue, owner="alive@host/41/1.00")  # fmt: skip
    recent = execution(user, "recent", age=10, status="PROGRESS", worker="alive@host")
    parent = execution(user, "parent", age=600, status="PROGRESS", worker="alive@host",
                       waits_for_children=True)  # fmt: skip

    report = recovery.recover(now=NOW, broker=FakeBroker(unacked={"orphan": "tag-9"}))

    assert asked == [["orphan", "running"]]  # the quiet ones of live workers, no parent
    assert (report.requeued, report.failed) == (1, 0)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.requeue_count, orphan.owner) == ("PENDING", 1, "")
    assert orphan.message == "Worker lost (alive@host); re-queued"
    assert [status(running), status(recent), status(parent)] == ["PROGRESS"] * 3
    assert quiet == [orphan.pk]


@pytest.mark.django_db
def test_a_live_worker_that_does_not_say_what_it_holds_keeps_its_executions(
    user: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 60
    monkeypatch.setattr(recovery, "tasks_held", lambda task_ids, workers: None)
    row = execution(user, "unknown", age=600, status="PROGRESS", worker="alive@host")

    assert recovery.recover(now=NOW, broker=FakeBroker()).failed == 0
    assert status(row) == "PROGRESS"


@pytest.mark.django_db
def test_running_executions_are_left_alone_when_workers_cannot_be_asked(
    user: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 60
    monkeypatch.setattr(recovery, "live_workers", lambda: None)
    row = execution(user, "unknown", age=600, status="PROGRESS", worker="dead@host")

    recovery.recover(now=NOW, broker=FakeBroker())

    assert status(row) == "PROGRESS"


@pytest.mark.django_db
def test_retention_deletes_old_finished_executions_and_their_logs(user: User, settings) -> None:
    settings.TASKPULSE_RETENTION_DAYS = 30
    old = execution(user, "old", age=0, status="SUCCESS")
    TaskExecution.objects.filter(pk=old.pk).update(finished_at=NOW - timedelta(days=31))
    TaskLogLine.objects.create(execution=old, seq=1, ts=NOW, message="x")
    recent = execution(user, "recent", age=0, status="SUCCESS")
    TaskExecution.objects.filter(pk=recent.pk).update(finished_at=NOW - timedelta(days=29))
    execution(user, "active", age=40 * 86400, status="PROGRESS")

    assert recovery.purge_old_executions(now=NOW, batch=1) == 1

    assert set(TaskExecution.objects.values_list("task_id", flat=True)) == {"recent", "active"}
    assert not TaskLogLine.objects.exists()
