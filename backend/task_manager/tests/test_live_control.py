"""End to end with real workers: cancel, fan-out counters, and recovery after SIGKILL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import launching, recovery
from task_manager.broker import RedisBroker
from task_manager.models import TaskExecution, TaskTemplate, WorkerLostPolicy
from testing.live import LiveWorker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


def refreshed(execution: TaskExecution) -> TaskExecution:
    execution.refresh_from_db()
    return execution


def status_of(execution: TaskExecution) -> str:
    return refreshed(execution).status


def launch(user: User, queue: str = "", **kwargs: object) -> TaskExecution:
    options = {"queue": queue} if queue else None
    return launching.execution_launch(
        task="task_manager.demo", user=user, kwargs=kwargs, options=options
    )


def start_worker(tmp_path: Path, name: str, queue: str, concurrency: int = 1) -> LiveWorker:
    return LiveWorker(tmp_path / f"{name}.log", name=name, concurrency=concurrency, queues=queue)


def test_cancel_stops_a_queued_task_before_it_starts_and_a_running_one_at_its_next_check(
    tmp_path: Path, ana: User
) -> None:
    worker = start_worker(tmp_path, "canceller", "cancel-queue")
    try:
        running = launch(ana, queue="cancel-queue", steps=50, step_seconds=0.2)
        wait_until(lambda: status_of(running) == "PROGRESS", what="the first task to run")
        queued = launch(ana, queue="cancel-queue", steps=1, step_seconds=0)

        assert launching.execution_cancel(queued, by=ana) == "REVOKED"
        assert launching.execution_cancel(running, by=ana) == "cancelling"
        wait_until(lambda: status_of(running) == "REVOKED", timeout=10, what="cancel to land")
        # The queued message reaches the free worker now, which must drop it unrun.
        wait_until(lambda: not message_held(queued, "cancel-queue"), what="the message to go")
    finally:
        worker.stop()

    queued, running = refreshed(queued), refreshed(running)
    assert queued.status == "REVOKED"
    assert queued.started_at is None
    assert queued.worker == ""
    assert running.status == "REVOKED"
    assert running.current_step < 50
    assert running.message == "Cancelled"
    with pytest.raises(launching.ExecutionFinished):
        launching.execution_cancel(running, by=ana)


def message_held(execution: TaskExecution, queue: str) -> bool:
    broker = RedisBroker()
    held = broker.queued_task_ids([queue]) | set(broker.unacked_tags())
    return execution.task_id in held


def test_twenty_children_on_two_workers_give_exact_parent_counters(
    tmp_path: Path, ana: User
) -> None:
    workers = [start_worker(tmp_path, f"fan{n}", "fan-queue", concurrency=2) for n in (1, 2)]
    try:
        parent = launching.execution_launch(
            task="task_manager.demo_fan_out", user=ana, options={"queue": "fan-queue"},
            kwargs={"children": 20, "child_seconds": 0.05, "fail_every": 5},
        )  # fmt: skip
        wait_until(lambda: not refreshed(parent).is_active, timeout=60, what="the parent to end")
    finally:
        for worker in workers:
            worker.stop()

    parent = refreshed(parent)
    children = TaskExecution.objects.filter(parent=parent)
    assert children.count() == 20
    assert set(children.values_list("worker", flat=True)) == {w.name for w in workers}
    assert (parent.total_items, parent.processed_items, parent.failed_items) == (20, 16, 4)
    assert parent.status == "FAILURE"
    assert parent.error == "4 of 20 child tasks failed"
    assert parent.progress == 100
    assert all(not child.is_active for child in children)


@pytest.mark.parametrize("policy", [WorkerLostPolicy.FAIL, WorkerLostPolicy.REQUEUE])
def test_a_worker_killed_mid_task_is_recovered(
    tmp_path: Path, ana: User, live_worker: LiveWorker, settings, policy: str
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    template = TaskTemplate.objects.create(
        name=f"demo-{policy}", module="demo", task_name="task_manager.demo", on_worker_lost=policy
    )
    doomed = start_worker(tmp_path, "doomed", "doomed-queue")
    execution = launching.execution_launch(
        task="task_manager.demo", user=ana, template=template, options={"queue": "doomed-queue"},
        kwargs={"steps": 3, "step_seconds": 1.0},
    )  # fmt: skip
    wait_until(lambda: status_of(execution) == "PROGRESS", what="the task to run")
    doomed.kill_hard()
    assert execution.task_id in RedisBroker().unacked_tags()  # acks_late: the message survives

    report = recovery.recover()

    execution = refreshed(execution)
    assert execution.task_id not in RedisBroker().unacked_tags()  # never redelivered later
    if policy == WorkerLostPolicy.FAIL:
        assert report.failed == 1
        assert execution.status == "FAILURE"
        assert execution.error.startswith("Worker lost (doomed@")
        return
    assert report.requeued == 1
    assert execution.status == "PENDING"
    assert execution.requeue_count == 1
    rescuer = start_worker(tmp_path, "rescuer", "doomed-queue")
    try:
        wait_until(lambda: status_of(execution) == "SUCCESS", timeout=30, what="the re-run")
    finally:
        rescuer.stop()
    assert refreshed(execution).worker == rescuer.name
    assert refreshed(execution).attempt == 1


def test_a_launch_while_the_broker_is_down_is_queued_by_recovery(
    ana: User, live_worker: LiveWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    from config.celery import app

    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(app, "send_task", broker_down)
        execution = launch(ana, steps=1, step_seconds=0)
    execution = refreshed(execution)
    assert execution.status == "PENDING"
    assert execution.queued_at is None
    assert "Waiting for the broker" in execution.message

    assert recovery.recover().sent == 0  # it may still be on its way: not sent twice
    report = recovery.recover(now=timezone.now() + timedelta(seconds=60))

    assert report.sent == 1
    wait_until(lambda: status_of(execution) == "SUCCESS", timeout=30, what="the task to run")


def test_an_undecorated_task_sent_with_delay_is_tracked_too(
    ana: User, live_worker: LiveWorker
) -> None:
    from task_manager.signals import USER_HEADER
    from task_manager.tasks import demo_plain

    # Headers carry any JSON value; celery-types narrows them to str.
    result = demo_plain.apply_async((2, 3), headers={USER_HEADER: ana.pk})  # type: ignore[dict-item]

    execution = TaskExecution.objects.get(task_id=result.id)
    assert (execution.user, execution.module, execution.args) == (ana, "task_manager", [2, 3])
    wait_until(lambda: status_of(execution) == "SUCCESS", what="the plain task to finish")
    execution = refreshed(execution)
    assert execution.result == 5
    assert execution.worker == live_worker.name
    assert execution.started_at is not None
