"""/api/health/ while the only worker is busy: every pool process burns CPU, and 100 polls of
the real web server (with a real Flower) must all say "ok" with the worker counted.

A worker whose pool is at 100 % CPU is still a worker: its main process keeps sending
heartbeats. Health used to count the workers that answered a 0.6 s ping broadcast, and a
busy (or merely loaded) worker missed it on about half the polls.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
import requests

from config.celery import app as celery_app
from testing.live import LiveFlower, LiveServer, LiveWorker, process_env, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = "health-e2e"
BURN_SECONDS = 20
POLLS = 100
POLL_EVERY = 0.08


@pytest.fixture(scope="module")
def busy_worker(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveWorker]:
    """Two pool processes, heartbeats on (as `make run` and compose start workers)."""
    with django_db_blocker.unblock():
        worker = LiveWorker(
            tmp_path_factory.mktemp("busy-worker") / "worker.log", name="busy",
            concurrency=2, queues=QUEUE, heartbeat=True, include="testing.tasks",
        )  # fmt: skip
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def health_web(
    busy_worker: LiveWorker,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """Flower and the web server pointed at it, with the default cache and timeouts."""
    folder = tmp_path_factory.mktemp("health-stack")
    with django_db_blocker.unblock():
        flower = LiveFlower(folder / "flower.log")
        try:
            server = LiveServer(folder / "web.log", env=process_env(**flower.settings()))
        except BaseException:
            flower.stop()
            raise
    yield server
    server.stop()
    flower.stop()


def health(session: requests.Session, server: LiveServer) -> dict[str, Any]:
    body: dict[str, Any] = session.get(f"{server.url}/api/health/", timeout=5).json()
    return body


def pool_burning(worker: LiveWorker, samples: int = 10) -> bool:
    """Whether both of the worker's pool processes are burning CPU: runnable at every sample
    (an idle one sleeps on its pipe). On a machine shared with other loads a runnable process
    may wait for a core, so their CPU time says less."""
    children = [psutil.Process(pid) for pid in worker.child_pids()]
    for _ in range(samples):
        if any(child.status() != psutil.STATUS_RUNNING for child in children):
            return False
        time.sleep(0.05)
    return len(children) == 2


def poll(session: requests.Session, server: LiveServer, until: float) -> list[dict[str, Any]]:
    """POLLS health answers, one every POLL_EVERY seconds, each with its latency."""
    answers: list[dict[str, Any]] = []
    while len(answers) < POLLS and time.monotonic() < until:
        started = time.monotonic()
        body = health(session, server)
        answers.append({**body, "seconds": time.monotonic() - started})
        time.sleep(max(0.0, started + POLL_EVERY - time.monotonic()))
    return answers


def test_health_counts_a_worker_whose_whole_pool_is_busy(
    busy_worker: LiveWorker, health_web: LiveServer
) -> None:
    session = requests.Session()
    wait_until(
        lambda: health(session, health_web)["status"] == "ok", timeout=30, interval=0.5,
        what="health to be ok before the burn",
    )  # fmt: skip
    burns = [
        celery_app.send_task("testing.burn_cpu", args=[BURN_SECONDS], queue=QUEUE) for _ in range(2)
    ]
    sent = time.monotonic()
    wait_until(lambda: pool_burning(busy_worker), timeout=10, what="both pool processes to burn")
    burning_after = time.monotonic() - sent

    answers = poll(session, health_web, until=sent + BURN_SECONDS - 1.5)
    still_burning = pool_burning(busy_worker)
    for burn in burns:
        burn.get(timeout=BURN_SECONDS + 15)

    seconds = sorted(answer["seconds"] for answer in answers)
    outcomes = Counter((answer["status"], answer["workers"]) for answer in answers)
    print(
        f"{len(answers)} polls during the burn (both pool processes at work {burning_after:.1f} s "
        f"after the send): {dict(outcomes)}; latency p50 "
        f"{statistics.median(seconds) * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms"
    )
    assert len(answers) == POLLS
    assert still_burning
    failing = [answer for answer in answers if answer["status"] != "ok" or answer["workers"] < 1]
    assert failing == []
