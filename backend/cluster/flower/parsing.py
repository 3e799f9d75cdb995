"""Flower's JSON made into TaskPulse's shapes: pure functions that trust nothing they are given.

Flower's answers (and Celery's inspect replies, read in the same shape) may hold fields of
odd types; each reader here takes what has the expected type and leaves the rest as None.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import Any

# Celery task states whose events Flower counts per worker since it started.
TASK_EVENT_STATES = {
    "task-received": "RECEIVED",
    "task-started": "STARTED",
    "task-succeeded": "SUCCESS",
    "task-failed": "FAILURE",
    "task-retried": "RETRY",
    "task-rejected": "REJECTED",
    "task-revoked": "REVOKED",
}
# Our names of an action's parameters -> Flower's.
FLOWER_PARAM_NAMES = {"rate_limit": "ratelimit"}


def iso_from_epoch(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def queue_names(info: dict[str, Any]) -> list[str] | None:
    if not isinstance(info.get("active_queues"), list):
        return None
    return sorted(
        {q["name"] for q in info["active_queues"] if isinstance(q, dict) and q.get("name")}
    )


def worker_row(name: str, info: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
    """One worker. `info` is what an inspect returned (stats, active_queues); `live` is what
    its events say (heartbeats, active and processed counts, the per-event counters)."""
    stats = as_dict(info.get("stats"))
    pool = as_dict(stats.get("pool"))
    processes = pool.get("processes")
    beats = live.get("heartbeats")
    heartbeats = [h for h in beats if as_number(h) is not None] if isinstance(beats, list) else []
    loadavg = live.get("loadavg")
    return {
        "name": name,
        "status": "online" if live.get("status") is True else "offline",
        "active": as_int(live.get("active")),
        "processed": as_int(live.get("processed")),
        "failed": (as_int(live.get("task-failed")) or 0) if live else None,
        "loadavg": [as_number(x) for x in loadavg] if isinstance(loadavg, list) else None,
        "pool": as_text(pool.get("implementation")),
        "pool_size": len(processes) if isinstance(processes, list) else None,
        "concurrency": as_int(pool.get("max-concurrency")),
        "queues": queue_names(info),
        "last_heartbeat": iso_from_epoch(max(heartbeats)) if heartbeats else None,
        "inspected_at": iso_from_epoch(info.get("timestamp")),
        "pid": as_int(stats.get("pid")) or as_int(live.get("pid")),
        "celery_version": as_text(live.get("sw_ver")),
    }


def workers_from_flower(inspected: dict[str, Any], events: dict[str, Any]) -> list[dict[str, Any]]:
    rows = events.get("data")
    live = {
        row["hostname"]: row
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict) and isinstance(row.get("hostname"), str)
    }
    names = sorted(set(inspected) | set(live))
    return [worker_row(name, as_dict(inspected.get(name)), live.get(name, {})) for name in names]


def task_counts(events: dict[str, Any]) -> dict[str, int]:
    """How many tasks reached each state since Flower started, summed over the workers."""
    counts = dict.fromkeys(TASK_EVENT_STATES.values(), 0)
    rows = events.get("data")
    for row in rows if isinstance(rows, list) else []:
        for event, state in TASK_EVENT_STATES.items():
            counts[state] += as_int(as_dict(row).get(event)) or 0
    return counts


def queue_lengths(answer: dict[str, Any]) -> list[dict[str, Any]] | None:
    queues = answer.get("active_queues")
    if not isinstance(queues, list):
        return None
    return [
        {"name": q["name"], "messages": as_int(q.get("messages"))}
        for q in queues
        if isinstance(q, dict) and isinstance(q.get("name"), str)
    ]


def task_view(info: dict[str, Any]) -> dict[str, Any]:
    """Flower's view of one task, as the execution detail shows it."""
    return {
        "state": as_text(info.get("state")),
        "received": iso_from_epoch(info.get("received")),
        "started": iso_from_epoch(info.get("started")),
        "runtime": as_number(info.get("runtime")),
        "worker": as_text(info.get("worker")),
        "routing_key": as_text(info.get("routing_key")),
    }


def flower_params(params: dict[str, Any]) -> dict[str, Any]:
    """An action's parameters as Flower reads them; None (not set) is left out."""
    return {FLOWER_PARAM_NAMES.get(k, k): v for k, v in params.items() if v is not None}


@cache
def flower_version() -> str | None:
    """Flower's HTTP API does not tell its version; it runs from this same environment."""
    try:
        return metadata.version("flower")
    except metadata.PackageNotFoundError:
        return None
