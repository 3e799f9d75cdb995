"""Health of the parts TaskPulse stands on: database, Redis, Celery workers and Flower.

Three answers: `/api/health/` (the report below, always 200), `/api/health/live/` (the
process answers: no I/O at all) and `/api/health/ready/` (this process can serve: the
database, the channel layer and the broker answer, each within READY_PART_TIMEOUT; 503
naming what does not). An orchestrator restarts a process that is not live, and sends no
traffic to one that is not ready.

The checks run side by side under one deadline, so that a part that hangs can only make
the answer "degraded", never slow: the whole report takes at most HEALTH_DEADLINE seconds.

Workers are counted from their heartbeats, as Flower received them. A worker started with -E
sends one every 2 s from its main process, whatever its pool is doing, so a worker whose every
pool process is busy still counts. Health used to count the replies to a 0.6 s ping broadcast,
which a busy or loaded worker often missed ("workers": 0 on every other poll). The ping is
now the fallback, with a longer timeout, for when Flower cannot tell: Flower unavailable, or
no worker heartbeat in its last snapshot (workers run with --without-heartbeat, or none).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections

from cluster.flower.service import FlowerService
from config.celery import app as celery_app
from config.redis_conn import layer_host_client, shared_redis
from task_manager.broker import open_broker

HEALTH_DEADLINE = 1.8
PART_TIMEOUT = 0.5
# Readiness: each part gets this long, all of them together at most READY_DEADLINE.
READY_PART_TIMEOUT = 1.0
READY_DEADLINE = 1.5
READY_PARTS = ("database", "channel_layer", "broker")
# A worker counts while its last heartbeat is at most this old when Flower's snapshot is
# taken: five heartbeats, so a late or lost one never makes it vanish. Flower stamps them
# with its own clock; the snapshot is stamped with the web process's (one host's clock, or
# NTP-synchronised ones).
HEARTBEAT_SECONDS = 10.0
WORKER_PING_TIMEOUT = 1.2
# What the ping fallback leaves of the deadline for its thread to hand the answer back.
PING_GRACE = 0.2

_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def check_database() -> str:
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()
    return "ok"


def check_redis() -> str:
    client = shared_redis(timeout=PART_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_channel_layer(timeout: float = PART_TIMEOUT) -> str:
    """The Redis behind each host of the channel layer answers a PING (the layer's own
    connections live on the web process's event loop; these are made for the check)."""
    layer: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    for host in layer.get("CONFIG", {}).get("hosts") or []:
        entry = host if isinstance(host, dict) else {"address": host}
        client = layer_host_client(entry, timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    return "ok"


def check_broker(timeout: float = PART_TIMEOUT) -> str:
    """Celery's broker accepts a connection (Redis: a PING; RabbitMQ: an AMQP handshake)."""
    broker = open_broker(timeout=timeout)
    try:
        broker.ping()
    finally:
        broker.close()
    return "ok"


def check_flower() -> str:
    """Through FlowerService: cached like its other reads, so polls do not reach Flower."""
    answered = FlowerService.from_settings().health(budget=PART_TIMEOUT)
    return "ok" if answered else "unavailable"


def heartbeat_workers() -> int | None:
    """The workers with a recent heartbeat in Flower's snapshot (cached, shared with the
    staff endpoints); None when Flower is unavailable."""
    snapshot = FlowerService.from_settings().snapshot()
    if snapshot is None:
        return None
    return beating(snapshot["workers"], at=datetime.fromisoformat(snapshot["fetched_at"]))


def beating(workers: list[dict[str, Any]], *, at: datetime) -> int:
    """How many of Flower's worker rows had a heartbeat within HEARTBEAT_SECONDS before `at`
    (a worker that went offline has none: Flower forgets its heartbeats)."""
    since = at - timedelta(seconds=HEARTBEAT_SECONDS)
    beats = [row["last_heartbeat"] for row in workers if row["last_heartbeat"]]
    return sum(datetime.fromisoformat(beat) >= since for beat in beats)


def ping_workers(timeout: float, seen: set[str] | None = None) -> int:
    """The workers that answer a ping broadcast within `timeout` (it always waits that long).

    Each reply is added to `seen` as it arrives: kombu waits `timeout` again after every
    message it collects, so the broadcast can end long after `timeout` (a 1.2 s ping took
    2.1 s while Flower hung, and health counted no worker at all).
    """
    found: set[str] = set() if seen is None else seen
    celery_app.control.ping(timeout=timeout, callback=lambda reply: found.update(reply))
    return len(found)


def run_checks(checks: dict[str, Callable[[], Any]], deadline: float) -> dict[str, Any]:
    """Run the checks concurrently; a check that raises or overruns is reported as an error."""
    futures = {name: _executor.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=deadline)
    results: dict[str, Any] = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = "error: no answer in time"
        elif future.exception() is not None:
            results[name] = f"error: {type(future.exception()).__name__}"
        else:
            results[name] = future.result()
    return results


def counted(workers: Any) -> bool:
    return isinstance(workers, int) and workers >= 1


def pinged_workers(started: float) -> Any:
    """The ping fallback, in what is left of the deadline (0 when too little is left)."""
    left = HEALTH_DEADLINE - (time.monotonic() - started)
    timeout = min(WORKER_PING_TIMEOUT, left - PING_GRACE)
    if timeout <= 0:
        return 0
    seen: set[str] = set()
    workers = run_checks({"workers": lambda: ping_workers(timeout, seen)}, left)["workers"]
    # A broadcast still collecting at the deadline: the replies that came in time count.
    return workers if isinstance(workers, int) else len(seen)


def health_report() -> dict[str, Any]:
    """The body of GET /api/health/. Workers count only while Redis (the broker) answers."""
    started = time.monotonic()
    results = run_checks(
        {"database": check_database, "redis": check_redis, "flower": check_flower,
         "workers": heartbeat_workers},
        HEALTH_DEADLINE / 2,
    )  # fmt: skip
    workers: Any = results.pop("workers")
    if results["redis"] != "ok":
        workers = 0
    elif not counted(workers):
        workers = pinged_workers(started)
    if results["flower"] != "ok":
        results["flower"] = "unavailable"
    failing = [name for name in ("database", "redis", "flower") if results[name] != "ok"]
    if not counted(workers):
        failing.append("workers")
        workers = workers if isinstance(workers, int) else 0
    return {
        "status": "degraded" if failing else "ok",
        **results,
        "workers": workers,
        "failing": failing,
    }


def readiness_report() -> dict[str, Any]:
    """The body of GET /api/health/ready/: "ready" when every part answered "ok"."""
    results = run_checks(
        {"database": check_database,
         "channel_layer": lambda: check_channel_layer(READY_PART_TIMEOUT),
         "broker": lambda: check_broker(READY_PART_TIMEOUT)},
        READY_DEADLINE,
    )  # fmt: skip
    failing = [part for part in READY_PARTS if results[part] != "ok"]
    return {"status": "not ready" if failing else "ready", **results, "failing": failing}
