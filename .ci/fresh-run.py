#!/usr/bin/env python3
"""`make run` as a new user runs it: the runtime lock alone, in a venv of its own.

Installs backend/requirements.txt into a throwaway venv (no dev or bench packages), checks
it with `pip check`, then starts `make run` on free ports with throwaway files and passes
only when: /api/health/ answers "ok" with a worker on 20 consecutive polls one second apart
(the first within 120 s of the end of the installs); / serves the React app; the banner
names admin's password; a bad WebSocket frame and an oversize body leave no traceback; the
log holds no traceback at all; and one SIGINT to the process group, as Ctrl-C sends,
leaves no process behind. Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READY_WITHIN = 120.0
CONSECUTIVE_OK = 20
STOP_WITHIN = 60.0


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def user_environment(folder: Path) -> dict[str, str]:
    """The caller's environment without anything a developer's shell may carry."""
    drop = {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TASKPULSE_ADMIN_PASSWORD",
            "VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(TASKPULSE_VAR_DIR=str(folder / "var"), WEB_PORT=str(free_port()),
               FLOWER_URL=f"http://127.0.0.1:{free_port()}")  # fmt: skip
    return env


def get(url: str, timeout: float = 3.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def health(base: str) -> dict[str, object]:
    try:
        return json.loads(get(f"{base}/api/health/")[1])
    except (OSError, ValueError) as error:
        return {"status": f"no answer ({error})"}


def wait_until_steadily_healthy(base: str, stack: subprocess.Popen[bytes]) -> float:
    """Seconds to the first healthy answer; then CONSECUTIVE_OK polls a second apart."""
    started = time.monotonic()
    while not is_healthy(body := health(base)):
        if stack.poll() is not None:
            raise Failed(
                f"make run exited with code {stack.returncode} before it was healthy"
            )
        if time.monotonic() - started > READY_WITHIN:
            raise Failed(f"not healthy within {READY_WITHIN:.0f} s: {body}")
        time.sleep(1)
    ready = time.monotonic() - started
    for poll in range(CONSECUTIVE_OK):
        time.sleep(1)
        if not is_healthy(body := health(base)):
            raise Failed(
                f"health flapped on poll {poll + 1} of {CONSECUTIVE_OK}: {body}"
            )
    return ready


def is_healthy(body: dict[str, object]) -> bool:
    workers = body.get("workers")
    return body.get("status") == "ok" and isinstance(workers, int) and workers >= 1


def send_bad_input(port: int) -> None:
    """A WebSocket text frame that is not UTF-8, and a body over the upload limit."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as ws:
        key = base64.b64encode(os.urandom(16)).decode()
        ws.sendall(
            f"GET /ws/tasks/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n\r\n".encode()
        )
        if b" 101 " not in ws.recv(4096):
            raise Failed("the WebSocket handshake was refused")
        payload, mask = b"\xff\xfe\xfd", os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        ws.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        ws.recv(4096)  # the close frame
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/token/", data=b"a" * 3_000_000, method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        urllib.request.urlopen(request, timeout=10)
        raise Failed("an oversize body was accepted")
    except urllib.error.HTTPError as error:
        if error.code != 413:
            raise Failed(f"an oversize body answered {error.code}, not 413") from None


def processes_of(folder: Path) -> list[int]:
    """Pids of every process whose environment names this run's var folder."""
    marker = f"TASKPULSE_VAR_DIR={folder / 'var'}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def check(folder: Path, log_path: Path) -> str:
    venv = folder / "venv"
    env = user_environment(folder)
    make = ["make", "--no-print-directory", "-C", str(REPO), f"VENV={venv}"]
    started = time.monotonic()
    subprocess.run([*make, f"{venv}/.runtime-installed", "build"], env=env, check=True)
    installs = time.monotonic() - started
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "check"], check=True)
    dev = subprocess.run([str(venv / "bin/python"), "-c", "import pytest"], capture_output=True,
                         check=False)  # fmt: skip
    if dev.returncode == 0:
        raise Failed(
            "the runtime venv has pytest: a dev package leaked into the runtime lock"
        )

    port = int(env["WEB_PORT"])
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        stack = subprocess.Popen([*make, "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            ready = wait_until_steadily_healthy(base, stack)
            status, page = get(f"{base}/")
            if (
                status != 200
                or b'<div id="root">' not in page
                or b"/assets/" not in page
            ):
                raise Failed(f"/ did not serve the React app ({status})")
            send_bad_input(port)
        finally:
            os.killpg(stack.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
            try:
                stack.wait(timeout=STOP_WITHIN)
            except subprocess.TimeoutExpired:
                os.killpg(stack.pid, signal.SIGKILL)
                raise Failed(
                    f"make run did not stop within {STOP_WITHIN:.0f} s"
                ) from None
    time.sleep(1)
    if left := processes_of(folder):
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        raise Failed(f"one SIGINT left {len(left)} processes: {left}")
    output = log_path.read_text(errors="replace")
    if "Traceback" in output:
        raise Failed("the log holds a traceback")
    if "log in as admin with password" not in output:
        raise Failed("the banner does not show admin's password")
    if "all processes stopped" not in output:
        raise Failed("the stack did not report a clean stop")
    return (f"installs {installs:.0f} s, healthy {ready:.1f} s after make run started, "
            f"{CONSECUTIVE_OK} consecutive ok polls, clean stop")  # fmt: skip


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="taskpulse-fresh-run-"))
    log_path = folder / "make-run.log"
    try:
        summary = check(folder, log_path)
    except (Failed, subprocess.CalledProcessError) as error:
        print(f"fresh run: FAILED: {error}", file=sys.stderr)
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-6000:], file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"fresh run: ok ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
