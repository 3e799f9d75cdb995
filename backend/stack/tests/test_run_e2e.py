"""`python -m stack run` as `make run` starts it: real Redis, web server, worker, beat, Flower."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import redis
import requests

from stack.redis import free_port

BACKEND = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def stack_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {
        **env,
        "TASKPULSE_VAR_DIR": str(tmp_path / "var"),
        "WEB_PORT": str(free_port()),
        "FLOWER_URL": f"http://127.0.0.1:{free_port()}",
        "TASKPULSE_ADMIN_PASSWORD": "admin-password-1",
        **extra,
    }


def start_stack(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "stack", "run"],
        cwd=BACKEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_healthy(port: str, process: subprocess.Popen[str], limit: float = 120) -> dict:
    deadline = time.monotonic() + limit
    body: dict = {}
    while time.monotonic() < deadline and process.poll() is None:
        try:
            body = requests.get(f"http://127.0.0.1:{port}/api/health/", timeout=3).json()
            if body["status"] == "ok" and body["workers"] >= 1:
                return body
        except requests.RequestException:
            pass
        time.sleep(1)
    return body


def not_private(var: Path) -> list[str]:
    """Everything under var/ that another user of the machine could read or enter."""
    paths = [var, *var.rglob("*")]
    return [
        f"{path.relative_to(var.parent)} {stat.S_IMODE(path.lstat().st_mode):o}"
        for path in paths
        if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) & 0o077
    ]


def test_run_brings_every_process_up_and_one_sigint_leaves_none_behind(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    var = tmp_path / "var"
    process = start_stack(env)
    try:
        body = wait_for_healthy(env["WEB_PORT"], process)
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        names = " ".join(" ".join(p.cmdline()) for p in tree[1:])
        login = requests.post(
            f"http://127.0.0.1:{env['WEB_PORT']}/api/auth/token/",
            json={"username": "admin", "password": "admin-password-1"},
            timeout=5,
        )
        open_files = not_private(var)
        sqlite_files = sorted(path.name for path in var.glob("db.sqlite3*"))
        redis_url = (var / "redis" / "url").read_text()
        without_password = f"redis://127.0.0.1:{urlsplit(redis_url).port}/0"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(without_password).ping()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)

    assert body.get("status") == "ok", output[-3000:]
    assert body["workers"] >= 1
    assert login.status_code == 200
    for part in ("redis-server", "uvicorn", "worker", "beat", "flower"):
        assert part in names
    assert process.returncode == 0
    assert "all processes stopped" in output
    assert not [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    # Every process worked through the password-protected Redis (broker, results, channel
    # layer, cache, Flower's broker connection, the health check), and no file is open.
    redis_password = (var / "redis" / "password").read_text()
    assert redis_url.startswith(f"redis://:{redis_password}@127.0.0.1:")
    # No credential on a command line, which every user of the machine can read in `ps`.
    flower_password = (var / "flower_password").read_text()
    for secret in (redis_password, flower_password):
        assert secret not in names + output
    assert "--basic_auth" not in names
    assert sqlite_files == ["db.sqlite3", "db.sqlite3-shm", "db.sqlite3-wal"]
    assert open_files == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "taskpulse: DATABASE_URL: unsupported scheme"),
        ("REDIS_URL", "redis://127.0.0.1:9/0", "taskpulse: REDIS_URL: cannot reach Redis"),
        ("REDIS_URL", "redis//nope", "taskpulse: REDIS_URL: unsupported scheme"),
    ],
)
def test_bad_configuration_stops_with_one_line(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack", "run"],
        cwd=BACKEND,
        env=stack_env(tmp_path, **{variable: value}),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_a_busy_web_port_is_named_with_its_process(tmp_path: Path) -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = str(listener.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "stack", "run"],
            cwd=BACKEND,
            env=stack_env(tmp_path, WEB_PORT=port),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert result.returncode == 2
    assert f"port {port} (WEB_PORT, the web server) is already in use by python" in result.stderr


def program_leader(stack: subprocess.Popen[str], *words: str) -> psutil.Process:
    """The supervised program whose command line holds every word (a child of the stack)."""
    for child in psutil.Process(stack.pid).children():
        if all(word in " ".join(child.cmdline()) for word in words):
            return child
    raise AssertionError(f"no program with {words}")


def test_run_restarts_a_crashed_worker_and_health_names_what_is_down(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "stack", "run"], cwd=BACKEND, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    health = f"http://127.0.0.1:{env['WEB_PORT']}/api/health/"
    try:
        assert wait_for_healthy(env["WEB_PORT"], process).get("status") == "ok", log.read_text()
        crashed = program_leader(process, "celery", " worker ")
        crashed.kill()
        deadline = time.monotonic() + 90
        while "restarting worker" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        restarted = program_leader(process, "celery", " worker ")
        after_restart = wait_for_healthy(env["WEB_PORT"], process)

        flower = program_leader(process, "celery", " flower ")
        flower.suspend()  # a hung Flower: health must name it, and only it
        try:
            hung: dict = {}
            while time.monotonic() < deadline and hung.get("failing") != ["flower"]:
                hung = requests.get(health, timeout=5).json()
                time.sleep(1)
        finally:
            flower.resume()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    output = log.read_text()

    assert "worker exited with code -9; restarting it in 1s" in output
    assert restarted.pid != crashed.pid
    assert after_restart["status"] == "ok"
    assert after_restart["workers"] >= 1
    assert hung["failing"] == ["flower"], hung
    assert hung["workers"] >= 1  # counted by the ping fallback meanwhile
    assert process.returncode == 0
    assert "all processes stopped" in output
