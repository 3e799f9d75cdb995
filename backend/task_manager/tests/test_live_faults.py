"""End to end, the faults a platform meets (issue #15): a worker restarted under its own name,
a database connection dropped mid-task, a broker connection dropped under a running task,
and launches while the broker is down. Real workers, a real web server, real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token

from task_manager import launching, recovery
from task_manager.models import TaskExecution, TaskLogLine, TaskTemplate, WorkerLostPolicy
from testing.live import LiveRedis, LiveServer, LiveWorker, client_ports, running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


def launch(user: User, queue: str, template: TaskTemplate | None = None,
           **kwargs: object) -> TaskExecution:  # fmt: skip
    return launching.execution_launch(
        task="task_manager.demo", user=user, kwargs=kwargs, template=template,
        options={"queue": queue},
    )  # fmt: skip


def statuses(executions: list[TaskExecution]) -> list[str]:
    return list(
        TaskExecution.objects.filter(pk__in=[e.pk for e in executions])
        .order_by("pk")
        .values_list("status", flat=True)
    )


def settle(executions: list[TaskExecution], timeout: float) -> list[str]:
    """The statuses once every execution has ended, or when `timeout` is over."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = statuses(executions)
        if not {"PENDING", "STARTED", "PROGRESS", "RETRY"} & set(now):
            return now
        time.sleep(0.2)
    return statuses(executions)


def runs_of(execution: TaskExecution) -> int:
    """How many times the demo task's body began (it logs "step 1 started" first)."""
    return TaskLogLine.objects.filter(execution=execution, message="step 1 started").count()


def all_running(executions: list[TaskExecution]) -> bool:
    return statuses(executions) == ["PROGRESS"] * len(executions)


# --- 1. a worker restarted under the same name ----------------------------------------------


def test_a_worker_restarted_under_its_own_name_gets_the_lost_work_back(
    tmp_path: Path, ana: User, settings
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    template = TaskTemplate.objects.create(
        name="phoenix", module="demo", task_name="task_manager.demo",
        on_worker_lost=WorkerLostPolicy.REQUEUE,
    )  # fmt: skip
    first = LiveWorker(tmp_path / "first.log", name="phoenix", concurrency=3, queues="phoenix")
    executions = [launch(ana, "phoenix", template, steps=4, step_seconds=0.5) for _ in range(3)]
    wait_until(lambda: all_running(executions), what="the three tasks to run")
    first.kill_hard()
    # `make run` and compose start it again with the same name: it answers a ping at once.
    with running(LiveWorker(tmp_path / "again.log", name="phoenix", concurrency=3,
                            queues="phoenix")):  # fmt: skip
        report = recovery.recover()
        final = settle(executions, timeout=40)

    assert final == ["SUCCESS"] * 3, f"stuck or failed: {final}"
    assert report.requeued == 3
    requeues = TaskExecution.objects.filter(pk__in=[e.pk for e in executions]).values_list(
        "requeue_count", flat=True
    )
    assert list(requeues) == [1, 1, 1]


# --- 2. a database connection dropped mid-task -----------------------------------------------


def terminate_backends(worker: LiveWorker) -> int:
    """pg_terminate_backend on every connection the worker's processes hold (and none else)."""
    port = int(connection.settings_dict.get("PORT") or 5432)
    ports = client_ports(worker.pids(), port)
    if not ports:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND client_port = ANY(%s)",
            [ports],
        )
        return int(cursor.fetchone()[0])


def test_a_database_connection_dropped_mid_task_is_retried_not_left_running(
    tmp_path: Path, ana: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...): pg_terminate_backend")
    with running(LiveWorker(tmp_path / "w.log", name="dbdrop", concurrency=3,
                            queues="dbdrop")) as worker:  # fmt: skip
        executions = [launch(ana, "dbdrop", steps=6, step_seconds=0.4) for _ in range(6)]
        terminated = 0
        for _ in range(6):  # whatever each task is doing: a query, a commit, a sleep
            wait_until(lambda: "PROGRESS" in statuses(executions) or
                       not set(statuses(executions)) & {"PENDING", "STARTED", "PROGRESS"},
                       what="a task to run")  # fmt: skip
            terminated += terminate_backends(worker)  # type: ignore[arg-type]
            time.sleep(0.7)
        final = settle(executions, timeout=60)

    assert terminated > 0
    assert final == ["SUCCESS"] * 6, f"stuck or failed: {final}"
    attempts = TaskExecution.objects.filter(pk__in=[e.pk for e in executions]).values_list(
        "attempt", flat=True
    )
    assert max(attempts) > 1  # retried on a new connection, not failed


# --- 3. a broker connection dropped under a running task ------------------------------------


def drop_broker_connections(worker: LiveWorker) -> int:
    """CLIENT KILL every connection the worker's processes hold to the suite's Redis."""
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    port = int(client.connection_pool.connection_kwargs["port"])
    killed = 0
    for local_port in client_ports(worker.pids(), port):
        killed += int(client.client_kill_filter(addr=f"127.0.0.1:{local_port}"))
    client.close()
    return killed


def test_a_broker_connection_drop_does_not_run_a_running_task_a_second_time(
    tmp_path: Path, ana: User
) -> None:
    with running(LiveWorker(tmp_path / "w.log", name="brokerdrop", concurrency=2,
                            queues="brokerdrop")) as worker:  # fmt: skip
        execution = launch(ana, "brokerdrop", steps=8, step_seconds=0.5)
        wait_until(lambda: all_running([execution]), what="the task to run")
        killed = drop_broker_connections(worker)  # type: ignore[arg-type]
        final = settle([execution], timeout=40)

    assert killed > 0
    assert final == ["SUCCESS"]
    assert runs_of(execution) == 1


# --- 4. a launch while the broker is down -----------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LiveRedis]:
    """A Redis for this test alone (broker, cache, channel layer of its web server)."""
    server = LiveRedis(tmp_path / "redis")
    yield server
    server.stop()


def test_a_template_launch_while_the_broker_is_down_answers_202_and_runs_once_later(
    tmp_path: Path, ana: User, own_redis: LiveRedis
) -> None:
    template = TaskTemplate.objects.create(name="demo", module="demo",
                                           task_name="task_manager.demo")  # fmt: skip
    headers = {"Authorization": f"Token {Token.objects.create(user=ana).key}"}
    with running(LiveServer(tmp_path / "web.log", REDIS_URL=own_redis.url)) as web:
        own_redis.stop()
        asked = time.monotonic()
        answer = requests.post(
            f"{web.url}/api/tasks/templates/{template.pk}/launch/",  # type: ignore[attr-defined]
            json={"params": {"steps": 1, "step_seconds": 0}}, headers=headers, timeout=60,
        )  # fmt: skip
        print(f"\nlaunch, broker down: {answer.status_code} in {time.monotonic() - asked:.2f} s")
    assert answer.status_code == 202, answer.text
    execution = TaskExecution.objects.get(pk=answer.json()["id"])
    assert (execution.status, execution.queued_at) == ("PENDING", None)
    assert answer.json()["message"] == execution.message

    own_redis.start()  # the same port and password: clients keep their URL
    try:
        # The worker's start runs recovery, which sends what was never sent.
        with running(LiveWorker(tmp_path / "w.log", name="outage", REDIS_URL=own_redis.url,
                                TASKPULSE_UNSENT_GRACE_SECONDS="0")):  # fmt: skip
            final = settle([execution], timeout=40)
    finally:
        own_redis.stop()
    assert final == ["SUCCESS"]
    assert runs_of(execution) == 1
