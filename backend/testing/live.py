"""Real processes for end-to-end tests, sharing the test database and the test Redis.

The test process owns the database (pytest-django creates it); a worker or web server started
here gets a DATABASE_URL naming that same database, so what a transactional test commits
is what they see, and the other way round.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import requests
from django.conf import settings
from django.db import connection

from stack.flower import flower_argv, flower_env
from stack.redis import EmbeddedRedis, free_port
from stack.web import APPLICATION, web_argv
from testing.parallel import FUZZ_DATABASES, WORKER_VARIABLE, with_redis_database, worker_number

BACKEND_DIR = Path(__file__).resolve().parent.parent


def live_database_url() -> str:
    """A DATABASE_URL for the database the tests are using right now."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def fuzz_redis_url() -> str:
    """The test Redis, the database for this test process's fuzzers (testing.parallel): a web
    server on it shares no broker queue with the test workers (nothing it launches is ever run)."""
    return with_redis_database(settings.REDIS_URL, FUZZ_DATABASES + worker_number())


def process_env(**extra: str) -> dict[str, str]:
    """A started process's environment: this test process's database and Redis, named in
    full (without the xdist worker's name, which would map REDIS_URL again)."""
    inherited = {k: v for k, v in os.environ.items() if k != WORKER_VARIABLE}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": live_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class LiveProcess:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            argv, cwd=BACKEND_DIR, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.handle.close()

    def kill_hard(self) -> None:
        """SIGKILL the whole process group at once, as a crashed machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.handle.close()


def wait_until(predicate: Any, timeout: float = 30, interval: float = 0.05, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


def client_ports(pids: list[int], server_port: int) -> list[int]:
    """The local ports of the TCP connections these processes hold to a server's port."""
    ports = []
    for pid in pids:
        try:
            held = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports += [c.laddr.port for c in held if c.raddr and c.raddr.port == server_port]
    return ports


class LiveWorker(LiveProcess):
    def __init__(
        self, log: Path, *, name: str, concurrency: int = 2, queues: str = "celery",
        heartbeat: bool = False, include: str = "", **env: str,
    ) -> None:  # fmt: skip
        """`heartbeat=True` keeps the worker's heartbeats, which Flower needs to call it
        online; the default leaves them out to keep the other tests' event streams quiet.
        `include` names more task modules to import (testing.tasks)."""
        self.name = f"{name}@{os.uname().nodename}"
        argv = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-E", "-l", "INFO",
            "-n", self.name, "--concurrency", str(concurrency), "-Q", queues,
            "--without-gossip", "--without-mingle",
            *([] if heartbeat else ["--without-heartbeat"]),
            *(["--include", include] if include else []),
        ]  # fmt: skip
        super().__init__(argv, process_env(**env), log)
        wait_until(self.ready, timeout=60, interval=0.2, what=f"worker {name} to be ready")

    def ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"worker exited:\n{self.output()[-3000:]}")
        return " ready." in self.output()

    def wait_idle(self, timeout: float = 60) -> None:
        """Until it runs no task: a task's last writes (after its end commits) are done."""
        from config.celery import app

        def idle() -> bool:
            if not self.alive():
                return True
            replies = app.control.inspect(destination=[self.name], timeout=1).active() or {}
            return replies.get(self.name) == []

        wait_until(idle, timeout=timeout, interval=0.1, what=f"worker {self.name} to be idle")

    def child_pids(self) -> list[int]:
        return [p.pid for p in psutil.Process(self.pid).children(recursive=True)]

    def pids(self) -> list[int]:
        """The main process and its pool's."""
        return [self.pid, *self.child_pids()]


class LiveDbWorker(LiveProcess):
    """`manage.py db_worker` (the database backend of Django's tasks framework) as `make run`
    starts it with TASKPULSE_DJANGO_TASKS=true, polling every tenth of a second."""

    def __init__(self, log: Path, *, worker_id: str, **env: str) -> None:
        self.worker_id = worker_id
        argv = [
            sys.executable, str(BACKEND_DIR / "manage.py"), "db_worker", "--no-reload",
            "--no-startup-delay", "--interval", "0.1", "--worker-id", worker_id,
        ]  # fmt: skip
        super().__init__(argv, process_env(TASKPULSE_DJANGO_TASKS="true", **env), log)
        wait_until(self.ready, timeout=60, interval=0.2, what="db_worker to be ready")

    def ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"db_worker exited:\n{self.output()[-3000:]}")
        return f"Starting worker worker_id={self.worker_id}" in self.output()


class LiveServer(LiveProcess):
    """The web server as `make run` starts it, on a free port; `fd_limit` raises its
    `ulimit -n` (for thousands of sockets)."""

    def __init__(
        self,
        log: Path,
        *,
        application: str = APPLICATION,
        env: dict[str, str] | None = None,
        fd_limit: int | None = None,
        **extra_env: str,
    ) -> None:
        self.port = free_port()
        argv = web_argv("127.0.0.1", self.port, application=application)
        if fd_limit is not None:
            argv = ["bash", "-c", f"ulimit -n {fd_limit} && exec {shlex.join(argv)}"]
        super().__init__(argv, env if env is not None else process_env(**extra_env), log)
        wait_until(self.ready, timeout=60, interval=0.2, what="the web server to answer")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"the web server exited:\n{self.output()[-3000:]}")
        try:
            return requests.get(f"{self.url}/api/health/", timeout=3).status_code == 200
        except requests.RequestException:
            return False


class LiveFlower(LiveProcess):
    """Flower as `make run` starts it: under /flower/, with basic auth, on a free port."""

    user = "flower"
    password = "flower-test-password"  # noqa: S105 - a throwaway test instance

    def __init__(self, log: Path, **env: str) -> None:
        self.port = free_port()
        argv = flower_argv("127.0.0.1", self.port)
        super().__init__(argv, process_env(**flower_env(self.user, self.password), **env), log)
        wait_until(self.ready, timeout=60, interval=0.2, what="Flower to answer")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """The Django settings that point TaskPulse at this Flower."""
        return {"FLOWER_URL": self.url, "FLOWER_USER": self.user, "FLOWER_PASSWORD": self.password}

    def ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"flower exited:\n{self.output()[-3000:]}")
        try:
            answer = requests.get(f"{self.url}/flower/healthcheck", timeout=3)
        except requests.RequestException:
            return False
        return answer.status_code == 200


class LiveRedis(EmbeddedRedis):
    """A Redis of a test's own, persistent like `make run`'s, stopped and restarted by its pid
    on the same port (so every client keeps its URL)."""

    def __init__(self, folder: Path, *, persistent: bool = True) -> None:
        super().__init__(folder, persistent=persistent)
        self.start()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def halt(self, signum: int = signal.SIGTERM) -> None:
        """Stop it with `signum` (SIGTERM: a clean shutdown; SIGKILL: a crash)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signum)
            self.process.wait(timeout=30)

    def restart(self) -> None:
        self.halt()
        self.start()


@contextmanager
def running(process: LiveProcess) -> Iterator[LiveProcess]:
    try:
        yield process
    finally:
        process.stop()
