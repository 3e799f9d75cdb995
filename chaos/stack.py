"""The chaos suite's own stack: an embedded Redis, a web process, a worker, beat and Flower.

As `make run` starts them (its settings, its worker options), on loopback ports of their own,
with a database and files under var/chaos/. Every process is started, killed and restarted
by its pid; each (re)start writes a log file of its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

from stack.__main__ import WORKER_OPTIONS
from stack.redis import EmbeddedRedis, free_port
from stack.web import web_argv

REPO_DIR = Path(__file__).resolve().parent.parent
BACKEND_DIR = REPO_DIR / "backend"
CHAOS_VAR = REPO_DIR / "var" / "chaos"
WORKER_NAME = f"chaos1@{socket.gethostname()}"
WORKER_CONCURRENCY = 6
FLOWER_USER, FLOWER_PASSWORD = "chaos", "chaos-flower-password"

# Recovery thresholds lowered for the run (README, "Environment variables").
THRESHOLDS = {
    "TASKPULSE_WORKER_LOST_AFTER": "15",
    "TASKPULSE_RECOVERY_INTERVAL_SECONDS": "5",
    "TASKPULSE_PENDING_REQUEUE_AFTER": "20",
    "TASKPULSE_UNSENT_GRACE_SECONDS": "5",
}
# How long after a fault everything must have ended: a lost worker is noticed after
# WORKER_LOST_AFTER, at a recovery tick, then its work runs again (a deployment: 2.25 s).
RECOVERY_WINDOW = 45.0


def chaos_env(redis_url: str, database_url: str, flower_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TASKPULSE_VAR_DIR": str(CHAOS_VAR),
        "PYTHONPATH": os.pathsep.join([str(REPO_DIR), str(BACKEND_DIR)]),
        "PYTHONUNBUFFERED": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "FLOWER_URL": flower_url,
        "FLOWER_USER": FLOWER_USER,
        "FLOWER_PASSWORD": FLOWER_PASSWORD,
        "TASKPULSE_SIMULATOR_SPEED": "20",  # a deployment takes 2.25 s
        "TASKPULSE_DEPLOY_RATE": "100000/min",
        "LOG_LEVEL": "INFO",
        **THRESHOLDS,
    }


class Process:
    """One program of the stack: started in a session of its own, signalled by pid; each
    (re)start logs to a file of its own in `folder`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str],
                 folder: Path = CHAOS_VAR) -> None:  # fmt: skip
        self.name, self.argv, self.env, self.folder = name, argv, env, folder
        self.starts = 0
        self.handle: subprocess.Popen[bytes] | None = None
        self.log = folder / f"{name}.log"

    def start(self) -> None:
        self.starts += 1
        self.log = self.folder / f"{self.name}-{self.starts}.log"
        with self.log.open("wb") as out:
            self.handle = subprocess.Popen(
                self.argv, cwd=BACKEND_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.handle is not None
        return self.handle.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.handle is not None and self.handle.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the whole process group (the program and its children) and wait."""
        if self.handle is None:
            return
        members = [p for p in psutil.process_iter() if same_group(p, self.pid)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.handle.wait()
        psutil.wait_procs(members, timeout=10)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                assert self.handle is not None
                self.handle.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group()


def same_group(process: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(process.pid) == pgid
    except OSError:
        return False


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise RuntimeError(f"chaos: timed out after {timeout:.0f}s waiting for {what}")


class Stack:
    def __init__(self, database_url: str) -> None:
        CHAOS_VAR.mkdir(parents=True, exist_ok=True)
        self.redis = EmbeddedRedis(CHAOS_VAR / "redis", persistent=True)
        self.database_url = database_url
        self.web_port, self.flower_port = free_port(), free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        self.redis.start()
        env = chaos_env(self.redis.url, self.database_url, f"http://127.0.0.1:{self.flower_port}")
        self.env = env
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        self.web = Process("web", web_argv("127.0.0.1", self.web_port, access_log=False), env)
        self.worker = Process("worker", [
            *celery, "worker", "-E", "-l", "INFO", "-n", WORKER_NAME,
            "--concurrency", str(WORKER_CONCURRENCY), *WORKER_OPTIONS,
        ], {**env, "REMAP_SIGTERM": "SIGQUIT"})  # fmt: skip
        schedule = str(CHAOS_VAR / "celerybeat-schedule")
        self.beat = Process("beat", [*celery, "beat", "-l", "INFO", "-s", schedule], env)
        self.flower = Process("flower", [
            *celery, "flower", "--address=127.0.0.1", f"--port={self.flower_port}",
            "--url_prefix=flower", f"--basic_auth={FLOWER_USER}:{FLOWER_PASSWORD}",
        ], env)  # fmt: skip
        for process in (self.flower, self.worker, self.beat, self.web):
            process.start()
        self.wait_worker_ready()
        self.wait_web_ready()

    def processes(self) -> list[Process]:
        return [p for p in (getattr(self, n, None) for n in ("web", "worker", "beat", "flower"))
                if p is not None]  # fmt: skip

    def stop(self) -> None:
        for process in self.processes():
            process.stop()
        self.redis.stop()

    # --- readiness -------------------------------------------------------------------

    def wait_worker_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if not self.worker.alive():
                raise RuntimeError(f"chaos: the worker exited:\n{self.worker.output()[-3000:]}")
            return " ready." in self.worker.output()

        wait_for(ready, timeout, "the worker")

    def wait_web_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            try:
                return requests.get(f"{self.url}/api/health/", timeout=3).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, timeout, "the web server")

    # --- faults ----------------------------------------------------------------------

    def worker_children(self) -> list[psutil.Process]:
        return psutil.Process(self.worker.pid).children(recursive=True)

    def restart_worker(self) -> None:
        """What a supervisor does: clear what is left of it, start it under the same name."""
        self.worker.kill_group()
        self.worker.start()
        self.wait_worker_ready()

    def restart_redis(self, signum: int, down_for: float) -> None:
        assert self.redis.process is not None
        os.kill(self.redis.process.pid, signum)
        self.redis.process.wait(timeout=30)
        time.sleep(down_for)
        self.redis.start()

    def restart_web(self) -> None:
        self.web.kill_group()
        self.web.start()
        self.wait_web_ready()
