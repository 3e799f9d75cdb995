"""RabbitMQ as the broker, end to end: queue depths by passive declare, recovery's AMQP
rules on a real broker, and a worker SIGKILLed mid-task whose message RabbitMQ redelivers
to another worker, which takes the execution over (recovery sends no copy of its own).

Each test gets a vhost of its own (testing.rabbitmq); skipped without RabbitMQ."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import launching, recovery
from task_manager.broker import AmqpBroker, open_broker
from task_manager.models import TaskExecution, TaskLogLine
from testing.live import LiveWorker, running, wait_until
from testing.rabbitmq import app_on_broker, can_make_vhosts, own_vhost, publish, queue_info

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rabbit_url() -> Iterator[str]:
    with own_vhost() as url:
        yield url


@pytest.fixture
def on_rabbit(rabbit_url: str, settings) -> Iterator[str]:
    """This process (launches, recovery, control) on the test's RabbitMQ vhost."""
    with app_on_broker(rabbit_url, settings):
        yield rabbit_url


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def launch(user: User, queue: str, **kwargs: object) -> TaskExecution:
    return launching.execution_launch(task="task_manager.demo", user=user, kwargs=kwargs,
                                      options={"queue": queue})  # fmt: skip


def runs_of(execution: TaskExecution) -> int:
    """How many times the demo task's body began (it logs "step 1 started" first)."""
    return TaskLogLine.objects.filter(execution=execution, message="step 1 started").count()


# --- queue depth ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["classic", "quorum"])
def test_queue_depth_by_passive_declare(rabbit_url: str, kind: str) -> None:
    queue, empty, missing = unique("depth"), unique("empty"), unique("missing")
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": 5} if kind == "quorum" else {}
    publish(rabbit_url, queue, 25, **arguments)
    publish(rabbit_url, empty, 0, **arguments)
    broker = AmqpBroker(rabbit_url, timeout=5)

    started = time.perf_counter()
    depths = broker.queue_depths([queue, empty, missing])
    took = time.perf_counter() - started
    print(f"\nAMQP passive declare of 3 queues ({kind}): {took * 1000:.1f} ms")

    assert (depths[queue].ready, depths[queue].consumers) == (25, 0)
    assert (depths[empty].ready, depths[missing].ready) == (0, 0)
    assert broker.queue_lengths([queue]) == {queue: 25}
    ids = {queue: ["a", "b"], empty: ["c"], missing: ["d"]}
    assert broker.maybe_queued(ids) == {"a", "b"}  # only a queue known empty says "no"


def test_open_broker_picks_amqp_from_the_url_and_answers_a_ping(rabbit_url: str) -> None:
    broker = open_broker(rabbit_url, timeout=2)
    assert isinstance(broker, AmqpBroker)
    broker.ping()
    with pytest.raises(OSError, match="refused"):
        AmqpBroker("amqp://guest:guest@127.0.0.1:1//", timeout=1).ping()


def test_what_taskpulse_publishes_carries_a_timestamp(on_rabbit: str, ana: User) -> None:
    """The head message's timestamp is what the management API reports as its age."""
    if not can_make_vhosts():
        pytest.skip("needs rabbitmqctl (root) to read the head message's timestamp")
    queue = unique("stamped")
    before = int(time.time())
    launch(ana, queue, steps=1, step_seconds=0)
    info = queue_info(on_rabbit, queue, "messages_ready", "head_message_timestamp")
    assert info["messages_ready"] == "1"
    stamped = info["head_message_timestamp"]  # an integer, or a date in newer versions
    assert stamped not in ("", "''")
    if stamped.isdigit():
        assert before - 1 <= int(stamped) <= int(time.time()) + 1


# --- recovery of a PENDING execution ------------------------------------------------------------


def test_a_stale_pending_execution_is_sent_again_only_once_its_queue_is_known_empty(
    on_rabbit: str, ana: User, settings
) -> None:
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 60
    queue = unique("stale")
    execution = launch(ana, queue, steps=1, step_seconds=0)  # no worker consumes `queue`
    TaskExecution.objects.filter(pk=execution.pk).update(
        queued_at=timezone.now() - timedelta(seconds=600)
    )
    assert recovery.recover().requeued == 0  # its message may be the one waiting there
    assert open_broker().queue_lengths([queue]) == {queue: 1}

    with AmqpBroker(on_rabbit).connection() as conn:
        channel: Any = conn.default_channel
        channel.queue_purge(queue)  # the message is lost
    report = recovery.recover()

    execution.refresh_from_db()
    assert report.requeued == 1
    assert (execution.status, execution.requeue_count) == ("PENDING", 1)
    assert open_broker().queue_lengths([queue]) == {queue: 1}  # sent again, once


# --- a worker killed mid-task -------------------------------------------------------------------


def test_a_worker_killed_mid_task_is_redelivered_and_taken_over_without_a_copy_from_recovery(
    tmp_path: Path, on_rabbit: str, ana: User, settings
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 0  # recovery looks at once: it must wait anyway
    queue = unique("killed")
    env: dict[str, Any] = {"CELERY_BROKER_URL": on_rabbit, "TASKPULSE_OWNER_SILENT_SECONDS": "4"}
    first = LiveWorker(tmp_path / "first.log", name=unique("amqp-a"), concurrency=1,
                       queues=queue, **env)  # fmt: skip
    with running(LiveWorker(tmp_path / "second.log", name=unique("amqp-b"), concurrency=1,
                            queues=queue, **env)) as second:  # fmt: skip
        execution = launch(ana, queue, steps=6, step_seconds=1)

        def runs_on() -> str:  # the step written, and its log line (debounced) behind it
            execution.refresh_from_db()
            return execution.worker if execution.status == "PROGRESS" and runs_of(execution) else ""

        holder = wait_until(runs_on, timeout=60, what="the task to run")
        victim, survivor = (first, second) if holder == first.name else (second, first)
        victim.kill_hard()
        report = recovery.recover()  # the worker is gone, and its message is the broker's

        def taken_over() -> bool:
            execution.refresh_from_db()
            return execution.worker == survivor.name  # type: ignore[attr-defined]

        wait_until(taken_over, timeout=90, interval=0.2, what="the redelivered copy to run")
        again = recovery.recover()
        wait_until(lambda: TaskExecution.objects.get(pk=execution.pk).is_finished,
                   timeout=90, interval=0.2, what="the task to end")  # fmt: skip
        depth = open_broker().queue_lengths([queue])
        log = survivor.output()
        if survivor is first:
            first.stop()

    execution.refresh_from_db()
    assert (report.requeued, report.failed, again.requeued, again.failed) == (0, 0, 0, 0)
    assert (execution.status, execution.requeue_count) == ("SUCCESS", 0)
    assert runs_of(execution) == 2  # begun by the killed worker, run again by the survivor
    assert "taken over from" in log
    assert depth == {queue: 0}  # no second copy waiting


# --- readiness ------------------------------------------------------------------------------------


def test_readiness_opens_an_amqp_connection_to_the_broker(rabbit_url: str, settings) -> None:
    from cluster.health import readiness_report

    settings.CELERY_BROKER_URL = rabbit_url
    assert readiness_report()["broker"] == "ok"

    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    report = readiness_report()
    assert report["failing"] == ["broker"]
    assert report["broker"].startswith("error")
