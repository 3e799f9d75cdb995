"""The bench's own processes: an embedded Redis, one Celery worker, one web process (loopback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from stack.redis import EmbeddedRedis
from testing.live import LiveProcess, LiveServer, wait_until

REPO_DIR = Path(__file__).resolve().parent.parent
BACKEND_DIR = REPO_DIR / "backend"
WEB_FD_LIMIT = 20_000
WORKER_CONCURRENCY = 2


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of every bench process (and of this one)."""
    path = os.pathsep.join([str(REPO_DIR), str(BACKEND_DIR)])
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "PYTHONPATH": path, "PYTHONUNBUFFERED": "1", **extra}  # fmt: skip


def start_redis(folder: Path) -> EmbeddedRedis:
    server = EmbeddedRedis(folder, persistent=False, unixsocket=folder / "redis.sock")
    server.start()
    return server


class Worker(LiveProcess):
    """One Celery worker (prefork, WORKER_CONCURRENCY children) that every system shares."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "WARNING",
                "-n", f"bench-{os.getpid()}@%h", "-P", "prefork",
                "--concurrency", str(WORKER_CONCURRENCY), "-Q", "celery",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        super().__init__(argv, env, log)

    def wait_ready(self, app: object) -> None:
        def answers() -> bool:
            if not self.alive():
                raise RuntimeError(f"the bench worker exited:\n{self.output()[-3000:]}")
            return bool(app.control.ping(timeout=0.5))  # type: ignore[attr-defined]

        wait_until(answers, timeout=60, interval=0.2, what="the bench worker")

    def pids(self) -> list[int]:
        return [self.pid, *(p.pid for p in psutil.Process(self.pid).children(recursive=True))]


class WebServer(LiveServer):
    """One web process as `make run` starts it, with `ulimit -n` raised for thousands of sockets."""

    def __init__(self, log: Path, env: dict[str, str]) -> None:
        super().__init__(log, application="bench.asgi:application", env=env, fd_limit=WEB_FD_LIMIT)

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)


@contextmanager
def profiled(folder: Path, name: str, pids: list[int], *, enabled: bool) -> Iterator[None]:
    """Sample these processes with py-spy while the block runs (collapsed stacks, raw text)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    recorders: list[subprocess.Popen[bytes]] = []
    if enabled and Path(spy).exists():
        folder.mkdir(parents=True, exist_ok=True)
        for pid in pids:
            out = folder / f"{name}-{pid}.txt"
            recorders.append(subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
                 "--nonblocking", "--output", str(out), "--duration", "120"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        time.sleep(1.0)  # py-spy attaches
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
        for recorder in recorders:
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()
