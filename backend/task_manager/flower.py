"""Flower, from Django's side: cluster state for staff, admin actions, the dashboard upstream.

Flower is a helper, never a dependency. Every read from it:
- has one total time budget (FLOWER_TIMEOUT: connect, headers and body together), enforced
  by waiting on a pool thread, so a Flower that hangs or drips its answer costs a caller at
  most that long and then counts as unavailable;
- is cached in the shared Django cache (Redis) for FLOWER_CACHE_SECONDS, the "unavailable"
  answer included, behind a cache lock (`cache.add`), so any number of polls from any
  number of processes make at most one Flower call per key in that window;
- after a transport failure, a "down" mark lets other reads skip Flower until it expires,
  so endpoints that enrich many executions stay fast while Flower is down.

Flower runs with `--url_prefix=flower` (its dashboard is proxied at /flower/ of the web
process): FLOWER_URL is its base and every path below is under URL_PREFIX. Flower's worker
list (/api/workers) is what its inspector saw at start or at the last `refresh=1`; that
refresh sends inspect broadcasts to every worker, so only an explicit admin refresh asks
for it (and an admin action on a worker Flower has not inspected yet, for that worker
only). Live state (online, active, processed, heartbeats) comes from Flower's events.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import Any, TypeVar
from urllib.parse import quote

import redis
import requests
from django.conf import settings
from django.core.cache import cache as shared_cache
from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

T = TypeVar("T")

URL_PREFIX = "/flower"
DASHBOARD_URL = "/flower/"
CONNECT_TIMEOUT = 0.5
MAX_BODY_BYTES = 16 * 1024 * 1024
LOCK_POLL_SECONDS = 0.05
CACHE_ERRORS = (redis.RedisError, OSError)

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

WORKER_ACTION_PATHS = {
    "pool-grow": "/api/worker/pool/grow/",
    "pool-shrink": "/api/worker/pool/shrink/",
    "autoscale": "/api/worker/pool/autoscale/",
    "shutdown": "/api/worker/shutdown/",
    "add-consumer": "/api/worker/queue/add-consumer/",
    "cancel-consumer": "/api/worker/queue/cancel-consumer/",
}
TASK_ACTION_PATHS = {"rate-limit": "/api/task/rate-limit/", "time-limit": "/api/task/timeout/"}
# Our names of an action's parameters -> Flower's.
FLOWER_PARAM_NAMES = {"rate_limit": "ratelimit"}
# What a Flower status means for an action (anything else: Flower is not usable).
FAILURE_KINDS = {400: "invalid", 403: "refused", 404: "unknown"}

_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="flower")


class FlowerUnavailable(Exception):
    """Flower gave no usable answer: unreachable, too slow, an error status, or not JSON."""


class FlowerActionFailed(Exception):
    """An admin action did not happen; `kind` is unknown, refused, invalid or unavailable."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace").strip()[:1000]

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):
            raise FlowerUnavailable("the answer is not JSON") from None
        if not isinstance(data, dict):
            raise FlowerUnavailable("the answer is not a JSON object")
        return data


@cache
def http() -> requests.Session:
    """One Session per process, so keep-alive connections to Flower are reused."""
    session = requests.Session()
    session.trust_env = False  # Flower is internal: no proxy or .netrc from the environment
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def checked_json(answer: Answer) -> dict[str, Any]:
    """The JSON object of a successful read; anything else means Flower is not usable."""
    if answer.status == 401:
        raise FlowerUnavailable("Flower refused FLOWER_USER / FLOWER_PASSWORD")
    if answer.status != 200:
        raise FlowerUnavailable(f"HTTP {answer.status}")
    return answer.json()


def read_body(response: requests.Response, deadline: float) -> bytes:
    chunks, size = [], 0
    for chunk in response.raw.stream(64 * 1024, decode_content=True):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise FlowerUnavailable("the answer is too large")
        if time.monotonic() > deadline:
            raise FlowerUnavailable("the answer took too long")
        chunks.append(chunk)
    return b"".join(chunks)


# --- the shared cache ------------------------------------------------------------------------

_MISSING: Any = object()


def cache_get(key: str) -> Any:
    try:
        box = shared_cache.get(key)
    except CACHE_ERRORS:  # the cache is an optimisation: a broken one is a miss
        return _MISSING
    return box["v"] if isinstance(box, dict) and "v" in box else _MISSING


def cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        shared_cache.set(key, {"v": value}, seconds)
    except CACHE_ERRORS:
        logger.debug("cache unavailable, %s not stored", key)


def cache_delete(*keys: str) -> None:
    try:
        shared_cache.delete_many(list(keys))
    except CACHE_ERRORS:
        logger.debug("cache unavailable, %s not deleted", keys)


def cache_lock(key: str, seconds: float) -> bool:
    """True for the one caller that may produce `key`; a broken cache lets everyone."""
    try:
        return bool(shared_cache.add(f"{key}:lock", 1, int(seconds) + 2))
    except CACHE_ERRORS:
        return True


def cached_call(
    key: str, produce: Callable[[], T], *, seconds: int, budget: float, refresh: bool = False
) -> T | None:
    """`produce()` at most once per `seconds` for all processes. A caller that finds another
    producing waits for its result up to `budget`, then gets None (not available in time).
    `refresh` produces anew regardless of the cache and the lock."""
    if refresh:
        return stored(key, produce(), seconds)
    hit = cache_get(key)
    if hit is not _MISSING:
        return hit
    if not cache_lock(key, budget):
        return wait_for(key, budget)
    try:
        return stored(key, produce(), seconds)
    finally:
        cache_delete(f"{key}:lock")


def stored(key: str, value: T, seconds: int) -> T:
    cache_set(key, value, seconds)
    return value


def wait_for(key: str, budget: float) -> Any:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        hit = cache_get(key)
        if hit is not _MISSING:
            return hit
    return None


# --- shapes ------------------------------------------------------------------------------------


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


# --- the service -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowerService:
    base_url: str
    user: str
    password: str
    timeout: float
    cache_seconds: int
    action_timeout: float

    @classmethod
    def from_settings(cls) -> FlowerService:
        return cls(
            base_url=settings.FLOWER_URL.rstrip("/"),
            user=settings.FLOWER_USER,
            password=settings.FLOWER_PASSWORD,
            timeout=settings.FLOWER_TIMEOUT,
            cache_seconds=settings.FLOWER_CACHE_SECONDS,
            action_timeout=settings.FLOWER_ACTION_TIMEOUT,
        )

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.password else None

    def url(self, path: str) -> str:
        return f"{self.base_url}{URL_PREFIX}{path}"

    def key(self, name: str) -> str:
        """Cache keys name the Flower they came from: another FLOWER_URL starts afresh."""
        digest = hashlib.sha256(f"{self.base_url} {self.user}".encode()).hexdigest()[:12]
        return f"flower:{digest}:{name}"

    # --- transport

    def fetch(
        self, method: str, path: str, *, budget: float, params: Any = None, data: Any = None
    ) -> Answer:
        """One call to Flower in this thread; socket timeouts and a body deadline bound it."""
        deadline = time.monotonic() + budget
        try:
            with http().request(
                method, self.url(path), params=params, data=data, auth=self.auth,
                timeout=(min(CONNECT_TIMEOUT, budget), budget), stream=True,
                allow_redirects=False,
            ) as response:  # fmt: skip
                return Answer(response.status_code, read_body(response, deadline))
        except requests.RequestException as exc:
            raise FlowerUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc

    def request(
        self, method: str, path: str, *, budget: float, params: Any = None, data: Any = None
    ) -> Answer:
        """One call to Flower, waited for at most `budget` seconds in all."""
        call = _pool.submit(self.fetch, method, path, budget=budget, params=params, data=data)
        return self.settle(call, time.monotonic() + budget)

    def settle(self, call: Future[Answer], deadline: float) -> Answer:
        """The answer of a pool call by `deadline`; a transport failure marks Flower down."""
        try:
            return call.result(timeout=max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            call.cancel()
            self.mark_down()
            raise FlowerUnavailable("no answer in time") from None
        except FlowerUnavailable:
            self.mark_down()
            raise

    def mark_down(self) -> None:
        cache_set(self.key("down"), True, self.cache_seconds)

    def is_down(self) -> bool:
        return cache_get(self.key("down")) is True

    def forget(self) -> None:
        """Drop the cached cluster answers (after an admin action changed the cluster)."""
        cache_delete(self.key("snapshot"), self.key("down"), self.key("health"))

    def cached(
        self, name: str, produce: Callable[[], T], *, budget: float, refresh: bool = False
    ) -> T | None:
        """`cached_call` for this Flower; while it is marked down, a miss skips it."""
        if not refresh and cache_get(self.key(name)) is _MISSING and self.is_down():
            return None
        return cached_call(
            self.key(name), produce, seconds=self.cache_seconds, budget=budget, refresh=refresh
        )

    # --- reads (None: unavailable)

    def health(self, *, budget: float | None = None) -> bool | None:
        """True when Flower answers its /healthcheck in time, None when it does not."""
        limit = self.timeout if budget is None else budget

        def produce() -> bool | None:
            try:
                answer = self.request("GET", "/healthcheck", budget=limit)
            except FlowerUnavailable:
                return None
            return True if answer.status == 200 else None

        return self.cached("health", produce, budget=limit)

    def snapshot(self, *, refresh: bool = False) -> dict[str, Any] | None:
        """Workers, queue lengths and task counts, fetched and cached as one unit."""
        return self.cached(
            "snapshot", lambda: self.fetch_snapshot(refresh), budget=self.timeout, refresh=refresh
        )

    def fetch_snapshot(self, refresh: bool) -> dict[str, Any] | None:
        """Three Flower calls side by side, all within one FLOWER_TIMEOUT."""
        deadline = time.monotonic() + self.timeout
        paths = {
            "inspected": ("/api/workers", {"refresh": 1} if refresh else None),
            "events": ("/workers", {"json": 1}),
            "queues": ("/api/queues/length", None),
        }
        calls = {
            name: _pool.submit(self.fetch, "GET", path, budget=self.timeout, params=params)
            for name, (path, params) in paths.items()
        }
        try:
            inspected, events = (
                checked_json(self.settle(calls[name], deadline)) for name in ("inspected", "events")
            )
            workers = workers_from_flower(inspected, events)
        except FlowerUnavailable as exc:
            logger.warning("Flower is unavailable: %s", exc)
            return None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # JSON of odd shapes
            logger.warning("Flower answered something unexpected: %r", exc)
            return None
        try:
            queues = queue_lengths(checked_json(self.settle(calls["queues"], deadline)))
        except FlowerUnavailable:
            queues = None  # the workers are worth showing without the queue lengths
        return {
            "workers": workers,
            "queues": queues,
            "task_counts": task_counts(events),
            "fetched_at": datetime.now(tz=UTC).isoformat(),
        }

    def task_info(self, task_id: str) -> dict[str, Any] | None:
        """Flower's view of one task; None when Flower does not know it or does not answer."""

        def produce() -> dict[str, Any] | None:
            path = f"/api/task/info/{quote(task_id, safe='')}"
            try:
                answer = self.request("GET", path, budget=self.timeout)
                return task_view(answer.json()) if answer.status == 200 else None
            except FlowerUnavailable:
                return None

        return self.cached(f"task:{task_id}", produce, budget=self.timeout)

    # --- admin actions (raise FlowerActionFailed)

    def control(self, path: str, params: dict[str, Any]) -> str:
        try:
            answer = self.request("POST", path, data=params, budget=self.action_timeout)
        except FlowerUnavailable as exc:
            raise FlowerActionFailed(f"Flower is unavailable: {exc}", kind="unavailable") from exc
        if answer.status == 200:
            try:
                return str(answer.json().get("message") or answer.text())
            except FlowerUnavailable:
                return answer.text()
        kind = FAILURE_KINDS.get(answer.status, "unavailable")
        raise FlowerActionFailed(
            answer.text() or f"Flower answered HTTP {answer.status}", kind=kind
        )

    def on_worker(self, worker: str, path: str, params: dict[str, Any]) -> str:
        """Flower acts only on workers its inspector has seen: one that started after Flower
        is inspected (that worker only) and the action tried once more."""
        try:
            return self.control(path, params)
        except FlowerActionFailed as exc:
            if exc.kind != "unknown" or "Unknown worker" not in str(exc):
                raise
        try:
            self.request(
                "GET", "/api/workers", params={"refresh": 1, "workername": worker},
                budget=self.action_timeout,
            )  # fmt: skip
        except FlowerUnavailable as exc:
            raise FlowerActionFailed(f"Flower is unavailable: {exc}", kind="unavailable") from exc
        return self.control(path, params)

    def worker_action(self, worker: str, action: str, params: dict[str, Any]) -> str:
        path = WORKER_ACTION_PATHS[action] + quote(worker, safe="@")
        return self.on_worker(worker, path, flower_params(params))

    def task_action(
        self, task_name: str, action: str, params: dict[str, Any], workers: list[str]
    ) -> str:
        """Apply a task limit on each worker (Flower sets it one worker at a time)."""
        path = TASK_ACTION_PATHS[action] + quote(task_name, safe="")
        done, failed = [], []
        for worker in workers:
            try:
                message = self.on_worker(
                    worker, path, {**flower_params(params), "workername": worker}
                )
                done.append(f"{worker}: {message}")
            except FlowerActionFailed as exc:
                failed.append((worker, exc))
        if failed:
            report = [f"{worker}: {exc}" for worker, exc in failed] + done
            raise FlowerActionFailed("; ".join(report), kind=failed[0][1].kind)
        return "; ".join(done)

    def online_workers(self) -> list[str]:
        snapshot = self.snapshot(refresh=True)
        if snapshot is None:
            raise FlowerActionFailed("Flower is unavailable", kind="unavailable")
        return [row["name"] for row in snapshot["workers"] if row["status"] == "online"]
