"""What the import needs from task_manager's core, tested on the core's own terms:
a parent task deciding how it ends after its children, a task declaring itself safe to
re-queue, a parent that fanned out left to its children by recovery, and messages taken
by a worker that died before starting them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from config.celery import app as celery_app
from edi import services
from task_manager import events, launching, lifecycle, recovery
from task_manager.lifecycle import children_outcome
from task_manager.models import TaskExecution, TaskTemplate
from task_manager.rules import ChildrenOutcome
from task_manager.tracking import track_task
from testing.brokers import FakeBroker

pytestmark = pytest.mark.django_db
OLD = timezone.now() - timedelta(minutes=10)


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: None)
    monkeypatch.setattr(launching, "execution_send", lambda pk, options=None: sent.append(pk))
    return sent


def execution(user: User, task_id: str, task_name: str, **fields: Any) -> TaskExecution:
    row = TaskExecution.objects.create(user=user, task_id=task_id, name=task_name,
                                       task_name=task_name, **fields)  # fmt: skip
    TaskExecution.objects.filter(pk=row.pk).update(updated_at=OLD, created_at=OLD, queued_at=OLD)
    row.refresh_from_db()
    return row


def test_a_parent_ends_as_its_task_declares_else_failed_if_a_child_failed(user: User) -> None:
    counts = {"total_items": 10, "processed_items": 8, "failed_items": 2}
    demo = execution(user, "p1", "task_manager.demo_fan_out", **counts)
    edi = execution(user, "p2", services.IMPORT_TASK, **counts)

    assert children_outcome(demo) == ChildrenOutcome(
        "FAILURE", "10 finished, 2 failed", "2 of 10 child tasks failed"
    )
    assert children_outcome(edi) == ChildrenOutcome(
        "SUCCESS", "Import finished: 10 files, 2 failed"
    )


def test_the_last_child_ends_its_parent_with_the_declared_outcome(user: User) -> None:
    parent = execution(user, "parent", services.IMPORT_TASK, status="PROGRESS",
                       waits_for_children=True, total_items=2)  # fmt: skip
    ok = execution(user, "c1", services.FILE_TASK, parent=parent, status="STARTED")
    bad = execution(user, "c2", services.FILE_TASK, parent=parent, status="STARTED")

    lifecycle.execution_finish(ok.task_id, "SUCCESS")
    lifecycle.execution_finish(bad.task_id, "FAILURE", error="Truncated")

    parent.refresh_from_db()
    assert (parent.status, parent.message, parent.error, parent.progress) == (
        "SUCCESS", "Import finished: 2 files, 1 failed", "", 100,
    )  # fmt: skip
    assert (parent.processed_items, parent.failed_items) == (1, 1)


def test_track_task_keeps_its_metadata_and_adds_the_declared_hooks() -> None:
    def decide(parent: TaskExecution) -> ChildrenOutcome:
        return ChildrenOutcome("SUCCESS", "done")

    @track_task("x.y", module="x", title="X", on_children_done=decide, on_worker_lost="requeue")
    def declared(task: Any, *, progress: Any) -> None: ...

    @track_task("x.z", module="x")
    def plain(task: Any, *, progress: Any) -> None: ...

    assert declared.taskpulse == {  # type: ignore[attr-defined]
        "name": "x.y", "module": "x", "title": "X", "on_children_done": decide,
        "on_worker_lost": "requeue",
    }  # fmt: skip
    assert plain.taskpulse == {"name": "x.z", "module": "x", "title": ""}  # type: ignore[attr-defined]


def test_a_task_declared_requeueable_is_requeued_when_its_worker_dies(
    user: User, settings, monkeypatch: pytest.MonkeyPatch, quiet: list[int]
) -> None:
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@host"})
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    declared = execution(user, "file", services.FILE_TASK, status="PROGRESS", worker="dead@h")
    plain = execution(user, "demo", "task_manager.demo", status="PROGRESS", worker="dead@h")
    template = TaskTemplate.objects.create(name="t", module="edi", task_name=services.FILE_TASK)
    by_template = execution(user, "tpl", services.FILE_TASK, status="PROGRESS", worker="dead@h",
                            template=template)  # fmt: skip

    report = recovery.recover(broker=FakeBroker())

    assert (report.requeued, report.failed) == (1, 2)
    statuses = {e.task_id: e.status for e in TaskExecution.objects.all()}
    assert statuses == {"file": "PENDING", "demo": "FAILURE", "tpl": "FAILURE"}
    assert quiet == [declared.pk]
    assert (plain.pk, by_template.pk) != (None, None)


def test_a_parent_that_fanned_out_is_left_to_its_children_when_its_worker_dies(
    user: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@host"})
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    parent = execution(user, "parent", services.IMPORT_TASK, status="PROGRESS",
                       worker="dead@h", waits_for_children=True, total_items=3)  # fmt: skip
    broker = FakeBroker(unacked={"parent": "tag-parent"})

    report = recovery.recover(broker=broker)

    parent.refresh_from_db()
    assert (report.requeued, report.failed, parent.status) == (0, 0, "PROGRESS")
    assert broker.dropped == ["tag-parent"]  # never redelivered to run the fan-out again


class FakeInspect:
    def __init__(self, held: dict[str, list[str]]) -> None:
        self.held = held

    def query_task(self, *ids: str) -> dict[str, dict[str, Any]]:
        return {worker: {i: ["reserved", {}] for i in ids if i in tasks}
                for worker, tasks in self.held.items()}  # fmt: skip


@pytest.mark.parametrize(
    ("answering", "requeued"),
    [
        ({"alive@h": ["held"]}, {"orphan"}),  # held by a live worker: left alone
        ({}, set()),  # the live worker did not answer: nothing is touched
    ],
)
def test_a_message_taken_by_a_dead_worker_and_never_started_is_sent_again(
    user: User, settings, monkeypatch: pytest.MonkeyPatch, quiet: list[int],
    answering: dict[str, list[str]], requeued: set[str],
) -> None:  # fmt: skip
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 0
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@h"})
    inspect = FakeInspect(answering)
    monkeypatch.setattr(celery_app.control, "inspect", lambda **options: inspect)
    rows = {
        name: execution(user, name, services.FILE_TASK) for name in ("held", "orphan", "queued")
    }
    broker = FakeBroker(queued={"queued"}, unacked={"held": "t-held", "orphan": "t-orphan"})

    recovery.recover(broker=broker)

    assert {name for name, row in rows.items() if row.pk in quiet} == requeued
    assert broker.dropped == [f"t-{name}" for name in sorted(requeued)]
