"""End to end with real workers: a paused queue is not consumed, not even by a worker that
starts while it is paused, and its work runs once it is resumed."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from cluster import queues
from cluster.models import QueuePause
from task_manager import launching
from task_manager.broker import RedisBroker
from task_manager.models import TaskExecution
from testing.live import LiveWorker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def status_of(execution: TaskExecution) -> str:
    execution.refresh_from_db()
    return execution.status


def stays_pending(execution: TaskExecution, queue: str, seconds: float = 3.0) -> None:
    """Still PENDING and its message still waiting in the broker after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert status_of(execution) == "PENDING"
        time.sleep(0.2)
    assert RedisBroker().queue_lengths([queue])[queue] == 1


def test_pause_holds_work_across_a_worker_restart_and_resume_runs_it(tmp_path: Path) -> None:
    staff = User.objects.create_user("sam", password="sam-password-1", is_staff=True)
    queue = f"pause-{uuid.uuid4().hex[:8]}"
    worker = LiveWorker(tmp_path / "first.log", name="pause-first", concurrency=1, queues=queue)
    try:
        paused = queues.queue_pause(user=staff, queue=queue)
        assert paused.ok
        assert QueuePause.objects.get(queue=queue).workers == [worker.name]
        execution = launching.execution_launch(
            task="task_manager.demo", user=staff, kwargs={"steps": 1, "step_seconds": 0},
            options={"queue": queue},
        )  # fmt: skip
        stays_pending(execution, queue)
    finally:
        worker.stop()

    worker = LiveWorker(tmp_path / "second.log", name="pause-second", concurrency=1, queues=queue)
    try:
        stays_pending(execution, queue)  # the new worker dropped the paused queue
        assert "does not consume paused queues" in worker.output()
        assert queues.queue_resume(user=staff, queue=queue).ok
        wait_until(lambda: status_of(execution) == "SUCCESS", timeout=30, what="the task to run")
        assert not QueuePause.objects.filter(queue=queue).exists()
    finally:
        worker.stop()
