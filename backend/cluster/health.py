"""Health of the parts TaskPulse stands on: database, Redis, Celery workers and Flower.

The checks run side by side under one deadline, so that a part that hangs can only make
the answer "degraded", never slow: the whole report takes at most HEALTH_DEADLINE seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import redis
from django.conf import settings
from django.db import connections

from cluster.flower.service import FlowerService
from config.celery import app as celery_app

HEALTH_DEADLINE = 1.8
WORKER_PING_TIMEOUT = 0.6
PART_TIMEOUT = 0.5

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
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=PART_TIMEOUT, socket_connect_timeout=PART_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def count_workers() -> int:
    return len(celery_app.control.ping(timeout=WORKER_PING_TIMEOUT) or [])


def check_flower() -> str:
    """Through FlowerService: cached like its other reads, so polls do not reach Flower."""
    answered = FlowerService.from_settings().health(budget=PART_TIMEOUT)
    return "ok" if answered else "unavailable"


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


def health_report() -> dict[str, Any]:
    """The body of GET /api/health/."""
    results = run_checks(
        {"database": check_database, "redis": check_redis, "flower": check_flower},
        HEALTH_DEADLINE / 2,
    )
    workers: Any = 0
    if results["redis"] == "ok":
        workers = run_checks({"workers": count_workers}, HEALTH_DEADLINE / 2)["workers"]
    if results["flower"] != "ok":
        results["flower"] = "unavailable"
    failing = [name for name in ("database", "redis", "flower") if results[name] != "ok"]
    if not isinstance(workers, int) or workers < 1:
        failing.append("workers")
        workers = 0 if not isinstance(workers, int) else workers
    return {
        "status": "degraded" if failing else "ok",
        **results,
        "workers": workers,
        "failing": failing,
    }
