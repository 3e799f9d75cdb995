"""End to end: the real web server's WebSockets across a restart of its Redis.

The web process keeps one pub/sub connection to Redis for every socket it serves. When
Redis restarts, that connection is dead: the first socket to join a group after the
restart must still get `hello`, and the first event published after it must arrive.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from deploy.tests.conftest import params
from testing.live import LiveRedis, LiveServer, process_env
from testing.ws import Message, WsClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LiveRedis]:
    server = LiveRedis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def web(own_redis: LiveRedis, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "web.log", env=process_env(REDIS_URL=own_redis.url))
    yield server
    server.stop()


def launched_execution_id(server: LiveServer, token: str, hostname: str) -> int:
    """A deployment launched through the API: the web process publishes its PENDING state."""
    response = requests.post(
        f"{server.url}/api/deploy/deployments/", json=params(hostname=hostname),
        headers={"Authorization": f"Token {token}"}, timeout=30,
    )  # fmt: skip
    assert response.status_code == 202, response.text
    return int(response.json()["execution_id"])


def created(execution_id: int) -> Callable[[Message], bool]:
    return lambda m: m.get("type") == "task.status" and m.get("execution_id") == execution_id


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_after_a_redis_restart_the_first_socket_gets_hello_and_the_first_event(
    own_redis: LiveRedis, web: LiveServer, signum: int
) -> None:
    token = Token.objects.create(user=User.objects.create_user("ana")).key
    before = WsClient(web.ws_url, token=token)
    assert before.recv()["type"] == "hello"
    before.recv_until(created(launched_execution_id(web, token, "before-1")))

    own_redis.halt(signum)
    own_redis.start()
    first = WsClient(web.ws_url, token=token)  # at once: handshake refused with 500 before
    hello = first.recv()
    execution_id = launched_execution_id(web, token, "after-1")

    assert hello["type"] == "hello"
    first.recv_until(created(execution_id), timeout=10)  # the first publish: dropped before
    before.recv_until(created(execution_id), timeout=10)
    first.close()
    before.close()
    assert "Traceback" not in web.output()
