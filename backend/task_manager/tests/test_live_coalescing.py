"""End to end: a calm task's log line reaches a WebSocket client without waiting for the
coalescing interval (a real worker whose interval is 10 minutes, the real web server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from task_manager import launching
from task_manager.models import TaskExecution
from testing import tasks as testing_tasks  # noqa: F401  (registers testing.calm_step here)
from testing.live import LiveServer, LiveWorker
from testing.ws import WsClient, is_final_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# A queue of this run's own: a message left by an interrupted run is never taken here.
QUEUE = f"calm-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def calm_worker(tmp_path: Path) -> Iterator[LiveWorker]:
    """A worker of its own queue that holds a burst for 10 minutes."""
    worker = LiveWorker(
        tmp_path / "worker.log", name="calm", queues=QUEUE, include="testing.tasks",
        TASKPULSE_PROGRESS_INTERVAL_MS="600000",
    )  # fmt: skip
    yield worker
    worker.stop()


def test_a_calm_tasks_log_line_is_pushed_while_it_runs_not_an_interval_later(
    calm_worker: LiveWorker, live_web: LiveServer
) -> None:
    ana = User.objects.create_user("ana")
    client = WsClient(live_web.ws_url, token=Token.objects.create(user=ana).key)
    assert client.recv()["type"] == "hello"
    execution = launching.execution_launch(task="testing.calm_step", user=ana,
                                           options={"queue": QUEUE, "countdown": 1})  # fmt: skip
    client.send({"action": "subscribe", "execution_id": execution.pk})  # live events only

    client.recv_until(lambda m: m["type"] == "task.log", timeout=60)
    still = TaskExecution.objects.get(pk=execution.pk)
    launching.execution_cancel(still, by=ana)
    client.recv_until(is_final_status(execution.pk), timeout=60)
    client.close()

    lines = [line["message"] for m in client.received if m["type"] == "task.log"
             for line in m["lines"]]  # fmt: skip
    assert lines == ["step 1 started"]
    # It came while the task ran (the task's end would have written it too), with the step
    # and its message: the step at once, the log line a debounce later, 10 minutes early.
    assert still.is_active
    assert still.current_step == 1
    assert TaskExecution.objects.get(pk=execution.pk).status == "REVOKED"
