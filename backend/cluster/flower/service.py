"""Flower, from Django's side: cluster state for staff, admin actions, task views.

Flower is a helper, never a dependency. Every read from it:
- has one total time budget (FLOWER_TIMEOUT: connect, headers and body together), enforced
  by waiting on a pool thread, so a Flower that hangs or drips its answer costs a caller at
  most that long and then counts as unavailable;
- is cached in the shared Django cache (Redis) for FLOWER_CACHE_SECONDS, the "unavailable"
  answer included, behind a cache lock (cluster.cache), so any number of polls from any
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
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings

from cluster.cache import MISSING, cache_delete, cache_get, cache_set, cached_call
from cluster.flower.client import (
    CONNECT_TIMEOUT,
    Answer,
    FlowerUnavailable,
    checked_json,
    http,
    read_body,
)
from cluster.flower.parsing import (
    flower_params,
    queue_lengths,
    task_counts,
    task_view,
    workers_from_flower,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

URL_PREFIX = "/flower"
DASHBOARD_URL = "/flower/"

WORKER_ACTION_PATHS = {
    "pool-grow": "/api/worker/pool/grow/",
    "pool-shrink": "/api/worker/pool/shrink/",
    "autoscale": "/api/worker/pool/autoscale/",
    "shutdown": "/api/worker/shutdown/",
    "add-consumer": "/api/worker/queue/add-consumer/",
    "cancel-consumer": "/api/worker/queue/cancel-consumer/",
}
TASK_ACTION_PATHS = {"rate-limit": "/api/task/rate-limit/", "time-limit": "/api/task/timeout/"}
# What a Flower status means for an action (anything else: Flower is not usable).
FAILURE_KINDS = {400: "invalid", 403: "refused", 404: "unknown"}

_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="flower")


class FlowerActionFailed(Exception):
    """An admin action did not happen; `kind` is unknown, refused, invalid or unavailable."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


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
        if not refresh and cache_get(self.key(name)) is MISSING and self.is_down():
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
