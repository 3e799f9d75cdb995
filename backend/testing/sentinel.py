"""A Redis Sentinel group of one master and one sentinel, on free loopback ports, for tests:
both with passwords (the master's and the sentinel's own), as a deployment has them. Uses
the redis-server that the embedded Redis uses (sentinel mode is part of every server)."""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from stack.redis import free_port, redis_server_binary

MASTER = "taskpulse-test"


@dataclass(frozen=True)
class SentinelGroup:
    master_port: int
    sentinel_port: int
    password: str  # the master's
    sentinel_password: str

    def url(self, db: int = 0) -> str:
        """REDIS_URL in Kombu's form; a second, dead sentinel listed first is skipped."""
        dead = f"sentinel://:{self.password}@127.0.0.1:{free_port()}/{db}"
        return f"{dead};sentinel://:{self.password}@127.0.0.1:{self.sentinel_port}/{db}"

    def master(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.master_port, password=self.password, db=db)


def start(config: Path, text: str, *flags: str) -> subprocess.Popen[bytes]:
    """redis-server with this config file (it must come first: flags follow it)."""
    config.write_text(text)
    config.chmod(0o600)
    return subprocess.Popen([redis_server_binary(), str(config), *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip


@contextmanager
def sentinel_group(folder: Path) -> Iterator[SentinelGroup]:
    folder.mkdir(parents=True, exist_ok=True)
    group = SentinelGroup(free_port(), free_port(), secrets.token_hex(8), secrets.token_hex(8))
    processes = [start(folder / "master.conf", (
        f"port {group.master_port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\n"
        f"dir {folder}\nrequirepass {group.password}\n"
    ))]  # fmt: skip
    try:
        processes.append(start(folder / "sentinel.conf", (
            f"port {group.sentinel_port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {group.master_port} 1\n"
            f"sentinel auth-pass {MASTER} {group.password}\n"
            f"requirepass {group.sentinel_password}\n"
        ), "--sentinel"))  # fmt: skip
        wait_for_master(group)
        yield group
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def wait_for_master(group: SentinelGroup, timeout: float = 30) -> None:
    sentinel = redis.Redis(port=group.sentinel_port, password=group.sentinel_password,
                           socket_timeout=1, socket_connect_timeout=1)  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if sentinel.sentinel_get_master_addr_by_name(MASTER):
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the sentinel on {group.sentinel_port} never named its master")
