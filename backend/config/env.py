"""The one place where TaskPulse reads its environment.

Every setting that comes from the environment goes through `Env`, so that a bad value is
reported the same way everywhere: one line that names the variable and the problem.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url

from config.sqlite_wal import PRAGMAS as WAL_PRAGMAS

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("TASKPULSE_VAR_DIR", REPO_DIR / "var"))

REDIS_SCHEMES = ("redis", "rediss", "unix", "sentinel")
# Broker URLs as Kombu reads them: Redis (sentinel:// through Redis Sentinel) or RabbitMQ.
BROKER_REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+socket", "sentinel")
BROKER_AMQP_SCHEMES = ("amqp", "amqps", "pyamqp")
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")
RATE_PATTERN = re.compile(r"[1-9][0-9]{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)")
DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """Raised when an environment variable holds a value TaskPulse cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class Env:
    """Typed accessors over an environment mapping (os.environ by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip() or default

    def flag(self, name: str, *, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise EnvError(name, f"expected true or false, got {raw!r}")

    def integer(self, name: str, *, default: int, minimum: int = 0, maximum: int = 2**31) -> int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise EnvError(name, f"expected a whole number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise EnvError(name, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def number(
        self, name: str, *, default: float, minimum: float = 0.0, maximum: float = 3600.0
    ) -> float:
        """A decimal number, e.g. seconds of a timeout ("1.5")."""
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise EnvError(name, f"expected a number, got {raw!r}") from None
        if not minimum <= value <= maximum:  # also rejects nan
            raise EnvError(name, f"must be between {minimum} and {maximum}, got {raw}")
        return value

    def items(self, name: str, *, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None or not raw.strip():
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def networks(self, name: str, *, default: list[str]) -> list[str]:
        """IP networks in CIDR notation, "127.0.0.1/32,10.0.0.0/8" (a bare address: /32)."""
        values = self.items(name, default=default)
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                problem = f"expected CIDR networks like 10.0.0.0/8, got {value!r}"
                raise EnvError(name, problem) from None
        return values

    def counts(self, name: str, *, default: dict[str, int]) -> dict[str, int]:
        """Whole numbers by name, "deploy=1,reports=2" (an empty value: none at all)."""
        raw = self.environ.get(name)
        if raw is None:
            return dict(default)
        counts = {}
        for item in (part.strip() for part in raw.split(",")):
            key, equals, value = item.partition("=")
            if not item:
                continue
            if not equals or not key.strip() or not value.strip().isdigit():
                raise EnvError(name, f"expected name=number pairs like deploy=1, got {item!r}")
            counts[key.strip()] = int(value)
        return counts

    def json_object(self, name: str) -> dict[str, Any]:
        """A JSON object, e.g. a storage's options ({} when unset)."""
        raw = self.text(name)
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise EnvError(name, f"expected a JSON object: {exc}") from None
        if not isinstance(value, dict):
            raise EnvError(name, f"expected a JSON object, got {type(value).__name__}")
        return value

    def dotted_path(self, name: str, *, default: str) -> str:
        """A Python dotted path, e.g. a storage class (checked when Django imports it)."""
        value = self.text(name, default)
        if not DOTTED_PATH.fullmatch(value):
            raise EnvError(name, f"expected a dotted path like package.module.Class, got {value!r}")
        return value

    def port(self, name: str, *, default: int) -> int:
        return self.integer(name, default=default, minimum=1, maximum=65535)

    def choice(self, name: str, *, default: str, choices: list[str]) -> str:
        value = self.text(name, default).lower()
        if value not in choices:
            raise EnvError(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def rate(self, name: str, *, default: str) -> str:
        """A request rate as Django REST framework reads it: N/s, N/min, N/hour or N/day."""
        value = self.text(name, default).replace(" ", "").lower()
        if not RATE_PATTERN.fullmatch(value):
            raise EnvError(name, f"expected a rate like 100/min (per s, min, hour or day), "
                           f"got {value!r}")  # fmt: skip
        return value

    def database(self, name: str = "DATABASE_URL", *, default_sqlite: Path) -> dict[str, Any]:
        """Return a Django DATABASES entry from a URL; SQLite under var/ when unset."""
        raw = self.text(name)
        if not raw:
            return sqlite_database(default_sqlite)
        scheme = urlsplit(raw).scheme
        if scheme not in DATABASE_SCHEMES:
            raise EnvError(
                name, f"unsupported scheme {scheme!r} (use sqlite:///path or postgres://...)"
            )
        if scheme == "sqlite":
            # sqlite:///var/db.sqlite3 is relative to the repository, sqlite:////srv/db absolute.
            path = raw.removeprefix("sqlite://").removeprefix("/")
            if not path or path == ":memory:":
                raise EnvError(
                    name, "a SQLite URL needs a file path, e.g. sqlite:///var/db.sqlite3"
                )
            return sqlite_database(Path(path))
        try:
            config = dict(dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True))
        except ValueError as exc:
            raise EnvError(name, str(exc)) from None
        if not config.get("NAME"):
            raise EnvError(name, "the URL names no database (postgres://user@host:5432/NAME)")
        return config

    def redis_url(self, name: str = "REDIS_URL", *, default: str) -> str:
        """redis://host:port/db (rediss://, unix://), or Redis Sentinel in Kombu's form:
        sentinel://[:password@]host:26379[/db];sentinel://host2:26379..."""
        raw = self.text(name) or default
        for part in raw.split(";") if raw.startswith("sentinel:") else [raw]:
            check_url(name, part.strip(), REDIS_SCHEMES, example="redis://host:port/db")
        if raw.startswith("sentinel:") and any(
            not p.strip().startswith("sentinel:") for p in raw.split(";") if p.strip()
        ):
            raise EnvError(name, "every part of a Sentinel URL is sentinel://host:port")
        return raw

    def broker_url(self, name: str = "CELERY_BROKER_URL", *, default: str) -> str:
        """Celery's broker: a Redis URL as above, or amqp://user:password@host:5672/vhost."""
        raw = self.text(name) or default
        if broker_kind(raw) == "redis":
            return self.redis_url(name, default=raw)
        check_url(name, raw, BROKER_AMQP_SCHEMES, example="amqp://user:password@host:5672/vhost")
        return raw

    def http_url(self, name: str, default: str = "") -> str:
        """An http(s):// URL, or "" when unset."""
        raw = self.text(name, default)
        if raw:
            check_url(name, raw, ("http", "https"), example="http://user:password@host:15672")
        return raw.rstrip("/")


def check_url(name: str, raw: str, schemes: tuple[str, ...], *, example: str) -> None:
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        raise EnvError(name, f"unsupported scheme {parts.scheme!r} (use {example})")
    if parts.scheme != "unix" and not parts.hostname:
        raise EnvError(name, f"the URL names no host ({example})")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise EnvError(name, f"malformed port in {raw!r}") from None


def broker_kind(url: str) -> str:
    """ "redis" or "amqp" from a broker URL's scheme; "" for a scheme TaskPulse cannot use."""
    scheme = urlsplit(url.split(";", 1)[0].strip()).scheme.lower()
    if scheme in BROKER_REDIS_SCHEMES:
        return "redis"
    return "amqp" if scheme in BROKER_AMQP_SCHEMES else ""


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite tuned so that the web process and workers can write at the same time."""
    if not path.is_absolute():
        path = REPO_DIR / path
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Kept across requests and tasks like PostgreSQL's (conn_max_age=60): reopening
        # the file and its PRAGMAs for every task was a large part of tracking's cost.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
            # timeout instead of failing with "database is locked" on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            # Checkpoints run in the background (config.sqlite_wal), not inside a COMMIT.
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; {WAL_PRAGMAS}",
        },
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


def web_database(database: dict[str, Any], *, pool_size: int) -> dict[str, Any]:
    """The database entry of the web process: on PostgreSQL, a bounded pool of connections.

    Under ASGI, Django runs each request in a thread of its own, and a persistent connection
    (CONN_MAX_AGE) stays with its thread after the request: 20 concurrent clients held 92
    connections and exhausted PostgreSQL's max_connections. Django's own pool (psycopg_pool)
    lends a connection for the length of a request instead; a request that finds all of them
    busy waits up to 10 s for one. SQLite has no connection limit and keeps its setting.
    """
    if database["ENGINE"].endswith("sqlite3"):
        return database
    options = {**database.get("OPTIONS", {}),
               "pool": {"min_size": 1, "max_size": pool_size, "timeout": 10}}  # fmt: skip
    return {**database, "CONN_MAX_AGE": 0, "OPTIONS": options}


def embedded_redis_url() -> str | None:
    """The URL of the Redis that `python -m stack` started, if one is running."""
    try:
        return (VAR_DIR / "redis" / "url").read_text().strip() or None
    except OSError:
        return None
