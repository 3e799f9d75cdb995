"""The cluster under test: two web processes, three Celery workers, beat, Redis and a broker.

Every program is started as `make run` starts it (stack/web.py's uvicorn, its worker
options) with the chaos suite's settings and lowered recovery thresholds (chaos/stack.py),
by pid, each (re)start logging to a file of its own under var/cluster/<run>/. What differs:

- PostgreSQL: a database of its own, created for the run and dropped after it.
- Redis (channel layer, cache, result backend, and the broker of a Redis run): an embedded
  server (stack/redis.py) on an address of its own, never the machine's shared Redis.
- RabbitMQ (the broker of a RabbitMQ run): a vhost of its own made with rabbitmqctl, deleted
  after the run. Celery reads CELERY_BROKER_URL from the environment before its settings.
- Workers: three, under two host names, on the default queue and the EDI queue.

Where each role runs (loopback ports, or a network namespace per host) is a `Placement`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Protocol

import psycopg
import requests

from chaos.stack import REPO_DIR, Process, chaos_env, wait_for
from stack.__main__ import WORKER_OPTIONS
from stack.redis import EmbeddedRedis, free_port
from stack.web import web_argv

CLUSTER_VAR = REPO_DIR / "var" / "cluster"
POSTGRES_ADMIN_URL = os.environ.get("CLUSTER_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
RABBITMQ = ("127.0.0.1", 5672, "guest", "guest")
EDI_QUEUE = "edi"
WORKER_CONCURRENCY = 3
# Broker URL read by Celery from the environment before its settings (celery.app.utils).
BROKER_ENV = "CELERY_BROKER_URL"


@dataclass(frozen=True)
class WorkerSpec:
    name: str  # the process's name in logs and tables
    node: str  # Celery node name: the host name after the @ is what differs between hosts
    queues: tuple[str, ...]
    host: str  # the placement's host it runs on


WORKERS = (
    WorkerSpec("worker-1", "cluster1@host-a", ("celery",), "worker-a"),
    WorkerSpec("worker-2", "cluster2@host-a", ("celery", EDI_QUEUE), "worker-a"),
    WorkerSpec("worker-3", "cluster3@host-b", (EDI_QUEUE, "celery"), "worker-b"),
)
WEBS = ("web-1", "web-2")


class Placement(Protocol):
    """Where each role runs: its address and the command it is started under."""

    name: str

    def address(self, host: str) -> str: ...
    def launcher(self, host: str) -> list[str]: ...
    def port(self, host: str, default: int) -> int: ...
    def service_address(self, service: str) -> tuple[str, int]: ...
    def close(self) -> None: ...


class Loopback:
    """Every role on 127.0.0.1, each on a port of its own."""

    name = "loopback"

    def address(self, host: str) -> str:
        return "127.0.0.1"

    def launcher(self, host: str) -> list[str]:
        return []

    def port(self, host: str, default: int) -> int:
        return free_port()

    def service_address(self, service: str) -> tuple[str, int]:
        return {"postgres": ("127.0.0.1", 5432), "rabbitmq": RABBITMQ[:2]}[service]

    def close(self) -> None:
        pass


def rabbitmqctl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def remove_leftovers() -> None:
    """The databases and vhosts of earlier runs whose harness process is gone (killed
    before it could remove them): taskpulse_cluster_<pid>_<broker>."""
    from clustertest.netns import pid_alive

    def dead(name: str) -> bool:
        pid = name.removeprefix("taskpulse_cluster_").split("_")[0]
        return pid.isdigit() and not pid_alive(int(pid))

    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as conn:
        mine = "SELECT datname FROM pg_database WHERE datname LIKE 'taskpulse\\_cluster\\_%'"
        names = [row[0] for row in conn.execute(mine)]
        for name in filter(dead, names):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if shutil.which("rabbitmqctl"):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            listed = rabbitmqctl("list_vhosts", "--quiet", "--no-table-headers").stdout.split()
            for name in filter(dead, [v for v in listed if v.startswith("taskpulse_cluster_")]):
                rabbitmqctl("delete_vhost", name)


class Cluster:
    def __init__(self, broker: str, placement: Placement, run_name: str) -> None:
        self.broker, self.placement = broker, placement
        self.folder = CLUSTER_VAR / run_name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.database = run_name.replace("-", "_")
        self.vhost = run_name.replace("-", "_")
        self.vhost_made = False
        self.processes: dict[str, Process] = {}
        self.extra_beats: list[Process] = []
        redis_host = placement.address("redis")
        self.redis = EmbeddedRedis(self.folder / "redis", persistent=False, host=redis_host,
                                   port=placement.port("redis", 6379),
                                   launcher=tuple(placement.launcher("redis")))  # fmt: skip
        self.web_ports = {name: placement.port(name, 8000) for name in WEBS}

    # --- addresses ---------------------------------------------------------------------

    def web_url(self, name: str) -> str:
        return f"http://{self.placement.address(name)}:{self.web_ports[name]}"

    def ws_url(self, name: str) -> str:
        return f"ws://{self.placement.address(name)}:{self.web_ports[name]}"

    @property
    def database_url(self) -> str:
        host, port = self.placement.service_address("postgres")
        return f"postgres://postgres@{host}:{port}/{self.database}"

    def broker_address(self) -> tuple[str, int]:
        if self.broker == "redis":
            return self.redis.host, self.redis.port
        return self.placement.service_address("rabbitmq")

    @property
    def broker_url(self) -> str:
        if self.broker == "redis":
            return self.redis.url
        host, port = self.placement.service_address("rabbitmq")
        return f"amqp://{RABBITMQ[2]}:{RABBITMQ[3]}@{host}:{port}/{self.vhost}"

    # --- the shared services -----------------------------------------------------------

    def create_database(self) -> None:
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
            conn.execute(f'CREATE DATABASE "{self.database}"')

    def drop_database(self) -> None:
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def create_vhost(self) -> None:
        made = rabbitmqctl("add_vhost", self.vhost)
        if made.returncode != 0:
            raise RuntimeError(f"rabbitmqctl add_vhost failed: {made.stderr.strip()[-300:]}")
        self.vhost_made = True
        allowed = rabbitmqctl("set_permissions", "-p", self.vhost, RABBITMQ[2], ".*", ".*", ".*")
        if allowed.returncode != 0:
            raise RuntimeError(f"rabbitmqctl set_permissions failed: {allowed.stderr.strip()}")

    def delete_vhost(self) -> None:
        if self.vhost_made:
            rabbitmqctl("delete_vhost", self.vhost)
            self.vhost_made = False

    def env(self) -> dict[str, str]:
        env = chaos_env(self.redis.url, self.database_url, "http://127.0.0.1:9")
        env.update({
            "TASKPULSE_VAR_DIR": str(self.folder),
            "TASKPULSE_EDI_QUEUE": EDI_QUEUE,
            "ALLOWED_HOSTS": "*",
            BROKER_ENV: self.broker_url,
        })  # fmt: skip
        return env

    # --- the programs --------------------------------------------------------------------

    def build(self) -> None:
        env = self.env()
        self.environment = env
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        for spec in WORKERS:
            argv = [*celery, "worker", "-E", "-l", "INFO", "-n", spec.node,
                    "-Q", ",".join(spec.queues), "--concurrency", str(WORKER_CONCURRENCY),
                    *WORKER_OPTIONS]  # fmt: skip
            self.add(spec.name, spec.host, argv, {**env, "REMAP_SIGTERM": "SIGQUIT"})
        self.add("beat", "beat", self.beat_argv(1), env)
        for name in WEBS:
            argv = web_argv(self.placement.address(name), self.web_ports[name], access_log=False)
            self.add(name, name, argv, env)

    def beat_argv(self, n: int) -> list[str]:
        schedule = str(self.folder / f"celerybeat-schedule-{n}")
        return [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO",
                "-s", schedule]  # fmt: skip

    def add(self, name: str, host: str, argv: list[str], env: dict[str, str]) -> Process:
        process = Process(name, [*self.placement.launcher(host), *argv], env, self.folder)
        self.processes[name] = process
        return process

    def start(self) -> None:
        for process in self.processes.values():
            process.start()
        for spec in WORKERS:
            self.wait_worker(spec.name)
        for name in WEBS:
            self.wait_web(name)

    def stop(self) -> None:
        for process in [*self.extra_beats, *self.processes.values()]:
            with contextlib.suppress(Exception):
                process.stop(timeout=10)
        self.redis.stop()

    def workers(self) -> list[Process]:
        return [self.processes[spec.name] for spec in WORKERS]

    # --- readiness -------------------------------------------------------------------

    def wait_worker(self, name: str, timeout: float = 90) -> None:
        worker = self.processes[name]

        def ready() -> bool:
            if not worker.alive():
                raise RuntimeError(f"cluster: {name} exited:\n{worker.output()[-3000:]}")
            return " ready." in worker.output()

        wait_for(ready, timeout, name)

    def wait_web(self, name: str, timeout: float = 90) -> None:
        web, url = self.processes[name], f"{self.web_url(name)}/api/health/"

        def ready() -> bool:
            if not web.alive():
                raise RuntimeError(f"cluster: {name} exited:\n{web.output()[-3000:]}")
            try:
                return requests.get(url, timeout=3).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, timeout, name)

    def restart(self, name: str) -> None:
        """What a supervisor does: clear what is left of it, start it again."""
        process = self.processes[name]
        process.kill_group()
        process.start()
        if name in WEBS:
            self.wait_web(name)
        else:
            self.wait_worker(name)

    def start_beats(self, count: int) -> list[Process]:
        """`count` more beats, started at the same moment."""
        beats = []
        for _ in range(count):
            number = len(self.extra_beats) + 2  # beat 1 is the cluster's own
            argv = [*self.placement.launcher("beat"), *self.beat_argv(number)]
            name = f"beat-{number}"
            beat = Process(name, argv, self.environment, self.folder)
            self.extra_beats.append(beat)
            beats.append(beat)
        for beat in beats:
            beat.start()
        return beats
