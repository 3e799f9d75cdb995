"""RabbitMQ for tests: a vhost of the test's own on 127.0.0.1:5672 (guest/guest), and this
process's Celery app pointed at it.

The vhost is made with rabbitmqctl when it is there and usable (root), and deleted with
everything in it afterwards; otherwise the default vhost "/" is used with queue names of
the test's own. Without a RabbitMQ listening, the tests that need one are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue, pools

from config.celery import app as celery_app

HOST, PORT = "127.0.0.1", 5672
USER = PASSWORD = "guest"  # noqa: S105 - RabbitMQ's loopback-only default account


def listening(host: str = HOST, port: int = PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip


def can_make_vhosts() -> bool:
    return shutil.which("rabbitmqctl") is not None and rabbitmqctl("list_vhosts").returncode == 0


@contextmanager
def own_vhost() -> Iterator[str]:
    """The broker URL of a vhost of this test's own (deleted afterwards), or of "/"."""
    if not listening():
        pytest.skip(f"needs RabbitMQ on {HOST}:{PORT} (guest/guest)")
    if not can_make_vhosts():
        yield f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}//"
        return
    name = f"taskpulse-test-{uuid.uuid4().hex[:10]}"
    assert rabbitmqctl("add_vhost", name).returncode == 0
    try:
        rabbitmqctl("set_permissions", "-p", name, USER, ".*", ".*", ".*")
        yield f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/{name}"
    finally:
        rabbitmqctl("delete_vhost", name)


def vhost_of(url: str) -> str:
    return Connection(url).virtual_host or "/"


def publish(url: str, queue: str, count: int, **queue_arguments: Any) -> None:
    """`count` persistent messages into a durable queue (declared with these arguments)."""
    target = Queue(queue, Exchange(""), routing_key=queue, durable=True,
                   queue_arguments=queue_arguments or None)  # fmt: skip
    with Connection(url) as conn:
        producer = conn.Producer()
        for index in range(count):
            producer.publish({"index": index}, routing_key=queue, declare=[target],
                             delivery_mode=2)  # fmt: skip


def queue_info(url: str, queue: str, *fields: str) -> dict[str, str]:
    """rabbitmqctl list_queues for one queue: the fields asked, as the broker prints them."""
    answer = rabbitmqctl("list_queues", "-q", "--no-table-headers", "-p", vhost_of(url),
                         "name", *fields)  # fmt: skip
    for line in answer.stdout.splitlines():
        values = line.split("\t")
        if values and values[0] == queue:
            return dict(zip(fields, values[1:], strict=False))
    return {}


def reset_app_connections() -> None:
    """Forget the app's broker connection and producer pools (made for another broker).

    Kombu keeps one pool per connection URL in a registry of its own: closing a pool left
    in it would hand the closed pool back to the next test; `pools.reset` closes every
    pool and empties the registry, so the next use makes new ones."""
    app: Any = celery_app
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def app_on_broker(url: str, settings: Any) -> Iterator[None]:
    """This process's Celery app and settings on `url` (Celery reads CELERY_BROKER_URL from
    the environment first), back on the test broker afterwards."""
    before = os.environ.get("CELERY_BROKER_URL")
    options = celery_app.conf.broker_transport_options
    os.environ["CELERY_BROKER_URL"] = url
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
    celery_app.conf.broker_transport_options = {"confirm_publish": True}
    reset_app_connections()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = before
        celery_app.conf.broker_transport_options = options
        reset_app_connections()
