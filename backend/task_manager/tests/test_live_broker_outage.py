"""End to end: a real worker and a real beat across an outage of their Redis (the broker).

What an outage must leave in the logs is what happened, once: not a traceback per failed
push (430 in one 8 s outage) or per beat tick. And what was running or scheduled goes on:
the task ends, the recovery ticks resume.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from deploy.tests.conftest import params
from task_manager.models import ExecutionStatus, TaskExecution
from testing.live import LiveProcess, LiveRedis, LiveServer, LiveWorker, process_env, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 4
TICK = "Sending due task taskpulse-recovery"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LiveRedis]:
    server = LiveRedis(tmp_path / "redis")
    yield server
    server.stop()


def test_a_task_running_through_a_broker_outage_ends_and_the_outage_is_two_lines(
    own_redis: LiveRedis, tmp_path: Path
) -> None:
    worker = LiveWorker(tmp_path / "worker.log", name="outage", heartbeat=True,
                        REDIS_URL=own_redis.url)  # fmt: skip
    web = LiveServer(tmp_path / "web.log", env=process_env(REDIS_URL=own_redis.url))
    try:
        # The recovery a worker's start sends is done: the outage hits only the deployment.
        wait_until(lambda: " succeeded in " in worker.output(), what="the start's recovery")
        token = Token.objects.create(user=User.objects.create_user("ana")).key
        launched = requests.post(
            f"{web.url}/api/deploy/deployments/",
            json=params(hostname="through", simulate={"step_seconds": 1}),
            headers={"Authorization": f"Token {token}"}, timeout=30,
        ).json()  # fmt: skip
        execution = TaskExecution.objects.filter(pk=launched["execution_id"])
        wait_until(lambda: execution.get().status == ExecutionStatus.PROGRESS, what="progress")
        own_redis.halt(signal.SIGKILL)
        time.sleep(OUTAGE_SECONDS)
        own_redis.start()
        wait_until(lambda: not execution.get().is_active, timeout=60, what="the end")
        wait_until(lambda: "channel layer: Redis is back" in worker.output(), what="back")
    finally:
        web.stop()
        worker.stop()

    assert execution.get().status == ExecutionStatus.SUCCESS
    log = worker.output()
    assert log.count("channel layer: Redis unreachable") == 1
    assert log.count("channel layer: Redis is back after") == 1
    assert "channel layer send failed" not in log  # a traceback per push, before
    assert "CPendingDeprecationWarning" not in log


def test_beat_ticks_at_the_configured_interval_and_resumes_after_an_outage(
    own_redis: LiveRedis, tmp_path: Path
) -> None:
    argv = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO",
            "-s", str(tmp_path / "celerybeat-schedule")]  # fmt: skip
    env = process_env(REDIS_URL=own_redis.url, TASKPULSE_RECOVERY_INTERVAL_SECONDS="1")
    beat = LiveProcess(argv, env, tmp_path / "beat.log")
    try:
        wait_until(lambda: beat.output().count(TICK) >= 2, what="two ticks")
        own_redis.halt(signal.SIGKILL)
        time.sleep(OUTAGE_SECONDS)
        own_redis.start()
        back = len(beat.output())
        wait_until(lambda: beat.output()[back:].count(TICK) >= 2, what="ticks after the outage")
    finally:
        beat.stop()

    log = beat.output()
    assert "Redis unreachable" in log  # the ticks it could not send, said in one line
    assert "Traceback" not in log
