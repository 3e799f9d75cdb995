"""The faults, one function each: it launches work, injects the fault, and returns a note.

Each runs against the live stack through `Chaos` (chaos/__main__.py), which counts, after
the recovery window, what its launches became. `rounds` repeats the fault (kill scenarios).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
import requests

if TYPE_CHECKING:
    from chaos.__main__ import Chaos

RUNNING = ("STARTED", "PROGRESS")
chance = random.Random()  # noqa: S311 - when to strike, not a secret


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Chaos, int], str]
    rounds: int = 1  # full mode; quick mode runs min(rounds, 2)
    postgres_only: bool = False


def wait_running(chaos: Chaos, ids: list[int], timeout: float = 8.0) -> None:
    """Until one of `ids` runs (a fault then hits work in progress)."""
    from task_manager.models import TaskExecution

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if TaskExecution.objects.filter(pk__in=ids, status__in=RUNNING).exists():
            time.sleep(chance.uniform(0.2, 1.0))  # somewhere inside a step
            return
        time.sleep(0.1)


def worker_main_killed(chaos: Chaos, rounds: int) -> str:
    for n in range(rounds):
        ids = chaos.launcher.deploys(4, f"main-{n}", clients=4)
        wait_running(chaos, ids)
        os.kill(chaos.stack.worker.pid, signal.SIGKILL)
        time.sleep(0.5)
        chaos.stack.restart_worker()  # as `make run`'s supervisor: same name, group cleared
    return f"{rounds} rounds"


def pool_child_killed(chaos: Chaos, rounds: int) -> str:
    for n in range(rounds):
        ids = chaos.launcher.deploys(4, f"child-{n}", clients=4)
        wait_running(chaos, ids)
        children = chaos.stack.worker_children()
        if children:
            chance.choice(children).kill()  # the pool replaces it
        time.sleep(1.0)
    return f"{rounds} rounds"


def worker_group_killed(chaos: Chaos, rounds: int) -> str:
    for n in range(rounds):
        ids = chaos.launcher.deploys(4, f"group-{n}", clients=4)
        wait_running(chaos, ids)
        chaos.stack.restart_worker()  # SIGKILL of the whole group, then a start
    return f"{rounds} rounds"


def redis_restarted(signum: int) -> Callable[[Chaos, int], str]:
    def run(chaos: Chaos, rounds: int) -> str:
        for n in range(rounds):
            ids = chaos.launcher.deploys(8, f"redis-{signum}-{n}", clients=8)
            wait_running(chaos, ids)
            chaos.stack.restart_redis(signum, down_for=3.0)
            time.sleep(1.0)
            chaos.launcher.deploys(4, f"redis-{signum}-{n}-after", clients=4)
        return f"{rounds} restarts, {len(chaos.users)} sockets watching"

    return run


def broker_clients_killed(chaos: Chaos, rounds: int) -> str:
    killed = 0
    client = redis.Redis.from_url(chaos.stack.redis.url)
    try:
        for n in range(rounds):
            ids = chaos.launcher.deploys(6, f"clients-{n}", clients=6)
            wait_running(chaos, ids)
            killed += int(client.execute_command("CLIENT", "KILL", "TYPE", "normal"))
            time.sleep(1.0)
    finally:
        client.close()
    return f"{killed} connections killed"


def broker_down_at_launch(chaos: Chaos, rounds: int) -> str:
    """With Redis stopped: a REST deployment, a template launch and an EDI upload."""
    from edi.testdata import valid_file

    user, launcher = chaos.users[0], chaos.launcher
    template = chaos.deploy_template_id
    body = {
        "params": {
            "hostname": "down-template",
            "vcenter_host": "vcenter.chaos",
            "datacenter": "DC1",
            "template": "ubuntu-22.04",
            "network": "VM Network",
        }
    }
    edi = valid_file(random.Random(7), "down.edi", "CHAOS-DOWN")  # noqa: S311
    launches = [
        lambda: launcher.deploy(chaos.users[1], "down-rest"),
        lambda: launcher.post(user, f"/api/tasks/templates/{template}/launch/", json=body),
        lambda: launcher.post(chaos.users[2], "/api/edi/imports/",
                              files=[("files", (edi.name, edi.content))]),
    ]  # fmt: skip
    assert chaos.stack.redis.process is not None
    os.kill(chaos.stack.redis.process.pid, signal.SIGTERM)
    chaos.stack.redis.process.wait(timeout=30)
    began = time.monotonic()
    threads = [threading.Thread(target=launch) for launch in launches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = time.monotonic() - began
    chaos.stack.redis.start()
    return f"3 launches answered within {answered:.0f}s"


def database_terminated(chaos: Chaos, rounds: int) -> str:
    from django.db import connection

    terminated = 0
    for n in range(rounds):
        ids = chaos.launcher.deploys(10, f"pg-{n}", clients=10)
        wait_running(chaos, ids)
        for _ in range(3):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                terminated += int(cursor.fetchone()[0])
            time.sleep(1.0)
    return f"{terminated} backends terminated"


def flower_killed_and_hung(chaos: Chaos, rounds: int) -> str:
    """Health polled while Flower is dead, then hung: the note counts what each poll named."""
    stack = chaos.stack
    chaos.launcher.deploys(6, "flower", clients=6)
    stack.flower.kill_group()
    killed = chaos.poll_health(4.0)
    stack.flower.start()
    time.sleep(3.0)
    stack.flower.signal(signal.SIGSTOP)
    try:
        hung = chaos.poll_health(6.0, staff_reads=True)
    finally:
        stack.flower.signal(signal.SIGCONT)
    chaos.launcher.deploys(4, "flower-after", clients=4)

    def said(polls: Counter[str]) -> str:
        return " ".join(f"{named}x{n}" for named, n in sorted(polls.items()))

    return f"health failing, killed: {said(killed)}; hung: {said(hung)}"


def web_killed(chaos: Chaos, rounds: int) -> str:
    for n in range(rounds):
        ids = chaos.launcher.deploys(6, f"web-{n}", clients=6)
        wait_running(chaos, ids)
        chaos.stack.restart_web()
        chaos.launcher.deploys(4, f"web-{n}-after", clients=4)
    return f"{rounds} kills, {len(chaos.users)} sockets connected"


def load(chaos: Chaos, rounds: int) -> str:
    count = 200 if rounds > 2 else 100
    began = time.monotonic()
    chaos.launcher.deploys(count, "load", clients=20)
    return f"{count} launches from 20 clients in {time.monotonic() - began:.1f}s"


SCENARIOS = [
    Scenario("worker main killed", worker_main_killed, rounds=10),
    Scenario("pool child killed", pool_child_killed, rounds=10),
    Scenario("worker group killed", worker_group_killed, rounds=10),
    Scenario("redis SIGTERM", redis_restarted(signal.SIGTERM), rounds=2),
    Scenario("redis SIGKILL", redis_restarted(signal.SIGKILL), rounds=2),
    Scenario("broker clients killed", broker_clients_killed, rounds=3),
    Scenario("broker down at launch", broker_down_at_launch),
    Scenario("database terminated", database_terminated, rounds=2, postgres_only=True),
    Scenario("flower killed and hung", flower_killed_and_hung),
    Scenario("web killed", web_killed, rounds=3),
    Scenario("200 launches", load, rounds=3),
]  # fmt: skip


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def health_failing(base_url: str, staff_token: str, staff_reads: bool) -> tuple[set[str], int]:
    """What /api/health/ says is failing, and the status of each answer (for 5xx)."""
    codes = []
    body = requests.get(f"{base_url}/api/health/", timeout=10)
    codes.append(body.status_code)
    if staff_reads:
        workers = requests.get(f"{base_url}/api/tasks/workers/", timeout=10,
                               headers={"Authorization": f"Token {staff_token}"})  # fmt: skip
        codes.append(workers.status_code)
    failing = set(body.json().get("failing", [])) if body.status_code == 200 else set()
    return failing, max(codes)
