"""Checks that run before any process starts, each failing with one line that names the cause."""

from __future__ import annotations

import psutil
import redis
from kombu.utils.url import maybe_sanitize_url

from config.env import Env, EnvError
from config.redis_conn import redis_client


class PreflightError(RuntimeError):
    pass


def check_env(env: Env) -> None:
    """Parse the variables whose mistakes are common, so they fail here and not in a child."""
    from config.env import VAR_DIR

    env.database(default_sqlite=VAR_DIR / "db.sqlite3")
    env.redis_url(default="redis://127.0.0.1:6379/0")
    env.port("WEB_PORT", default=8000)
    env.flag("DEBUG", default=False)


def check_redis_reachable(url: str, *, variable: str = "REDIS_URL", timeout: float = 3.0) -> None:
    """PING the Redis at `url` (through its sentinels for a sentinel:// URL)."""
    env = Env()
    password = env.text("REDIS_SENTINEL_PASSWORD")
    client = redis_client(url, timeout=timeout,
                          master=env.text("REDIS_SENTINEL_MASTER", default="mymaster"),
                          sentinel_kwargs={"password": password} if password else None)  # fmt: skip
    try:
        client.ping()
    except redis.RedisError as exc:
        where = maybe_sanitize_url(url)  # the password stays out of the message
        raise EnvError(variable, f"cannot reach Redis at {where} ({exc})") from None
    finally:
        client.close()


def port_owner(port: int) -> str | None:
    """'name (pid N)' of the process listening on a TCP port, 'another process' if unknown."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        connections = []
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "another process"
            try:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None


def check_port_free(port: int, purpose: str) -> None:
    owner = port_owner(port)
    if owner:
        raise PreflightError(f"port {port} ({purpose}) is already in use by {owner}")
