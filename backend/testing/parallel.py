"""The suite in several processes at once (`pytest -n N`, pytest-xdist; make test uses it).

Each test process (xdist names them gw0, gw1, ...) has its own database already: pytest-django
suffixes PostgreSQL's test database with the process's name, and config.settings.test names
the SQLite file after the process id. What they would still share is Redis, so each keeps to
a numbered Redis database of its own, and the processes its tests start get that database:
- gw<n> (or a run without xdist): database n, for its broker queues, cache, rate limits and
  Flower reads;
- its fuzzers' web server: database FUZZ_DATABASES + n, so that what the fuzzers launch is
  never run by a test worker.
Redis pub/sub ignores database numbers, so the channel layer's names carry the database too
(config.settings.test), which keeps one process's events from another's sockets.

This module is imported by the settings: it must not import Django.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

# Redis has 16 databases unless configured otherwise: 8 test processes, each with 2.
FUZZ_DATABASES = 8
WORKER_VARIABLE = "PYTEST_XDIST_WORKER"


def worker_number() -> int:
    """n for the xdist process gw<n>; 0 in a run without xdist."""
    name = os.environ.get(WORKER_VARIABLE, "")
    number = int(name.removeprefix("gw")) if name else 0
    if number >= FUZZ_DATABASES:
        raise RuntimeError(f"at most {FUZZ_DATABASES} test processes share one Redis (-n)")
    return number


def redis_database(url: str) -> int | None:
    """The database a redis://, rediss:// or unix:// URL names (None for other forms)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        for query in parts.query.split("&"):
            if query.startswith("db="):
                return int(query.removeprefix("db="))
        return 0
    if parts.scheme in ("redis", "rediss"):
        path = parts.path.strip("/")
        return int(path) if path else 0
    return None


def with_redis_database(url: str, index: int) -> str:
    """The same Redis server, another of its numbered databases."""
    parts = urlsplit(url)
    if parts.scheme == "unix":  # kept as written: urlunsplit would drop an empty host's //
        path, _, query = url.partition("?")
        kept = [q for q in query.split("&") if q and not q.startswith("db=")]
        return f"{path}?{'&'.join([*kept, f'db={index}'])}"
    return urlunsplit(parts._replace(path=f"/{index}"))
