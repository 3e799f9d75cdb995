"""End to end, on PostgreSQL: the web process's database connections stay bounded under load.

Under ASGI, Django runs each request in a thread of its own; with persistent connections
(CONN_MAX_AGE) every one of those threads kept a connection open after its request. 20
concurrent clients held 92 and exhausted PostgreSQL's max_connections (100): launches
answered 500 "too many clients already". The web process now takes its connections from a
bounded pool (TASKPULSE_WEB_DB_POOL_SIZE).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token

from deploy.tests.conftest import params
from testing.live import LiveRedis, LiveServer, process_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

CLIENTS = 20
LAUNCHES_PER_CLIENT = 10
POOL_SIZE = 8
POSTGRES_PORT = 5432
BACKENDS_SQL = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LiveRedis]:
    """Launches go to a Redis of this test's own, which no worker consumes."""
    server = LiveRedis(tmp_path / "redis", persistent=False)
    yield server
    server.stop()


def web_connections(server: LiveServer) -> int:
    """The web process's open TCP connections to PostgreSQL."""
    sockets = psutil.Process(server.pid).net_connections(kind="tcp")
    return sum(1 for s in sockets if s.raddr and s.raddr.port == POSTGRES_PORT)


def database_backends() -> int:
    """pg_stat_activity's rows for the test database (every process's, this one's too)."""
    with connection.cursor() as cursor:
        cursor.execute(BACKENDS_SQL)
        return int(cursor.fetchone()[0])


class Sampler:
    """The most connections the web process held while the block ran (every 50 ms)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, web_connections(self.server))

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join()


def test_concurrent_launches_hold_at_most_the_pool_and_none_fails(
    own_redis: LiveRedis, tmp_path: Path
) -> None:
    # `make run`'s settings (the test settings close every connection after use).
    env = process_env(
        DJANGO_SETTINGS_MODULE="config.settings.local", TASKPULSE_VAR_DIR=str(tmp_path / "var"),
        REDIS_URL=own_redis.url, TASKPULSE_DEPLOY_RATE="100000/min",
        TASKPULSE_WEB_DB_POOL_SIZE=str(POOL_SIZE),
    )  # fmt: skip
    server = LiveServer(tmp_path / "web.log", env=env)
    tokens = [Token.objects.create(user=User.objects.create_user(f"u{n}")).key
              for n in range(CLIENTS)]  # fmt: skip

    def client(token: str) -> list[int]:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {token}"
            return [
                session.post(f"{server.url}/api/deploy/deployments/",
                             json=params(hostname=f"h{n}"), timeout=60).status_code
                for n in range(LAUNCHES_PER_CLIENT)
            ]  # fmt: skip

    try:
        before = database_backends()
        with Sampler(server) as sampler, ThreadPoolExecutor(CLIENTS) as pool:
            codes = Counter(code for codes in pool.map(client, tokens) for code in codes)
        time.sleep(1.0)
        held_after, after = web_connections(server), database_backends()
    finally:
        server.stop()

    print(f"backends before {before}, web peak {sampler.peak}, web after {held_after}, "
          f"backends after {after}; answers {dict(codes)}")  # fmt: skip
    assert codes == {202: CLIENTS * LAUNCHES_PER_CLIENT}
    assert sampler.peak <= POOL_SIZE
    assert held_after <= POOL_SIZE
