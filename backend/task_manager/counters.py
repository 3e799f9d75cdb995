"""Counters that every process adds to, kept in Redis, for /metrics (cluster.prometheus).

A web or worker process counts in memory and adds its counts to one Redis hash at most once
a second (a timer flushes the last ones), so a count is never per process: any web process
answers the same sum, and a process that restarts loses nothing it had flushed. The number
of open WebSockets is a gauge per process, in a key that expires unless its process renews
it: a process that dies stops being counted within GAUGE_TTL seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter

import redis

from config.outages import REDIS_ERRORS
from config.redis_conn import shared_redis
from config.threads import start_daemon

logger = logging.getLogger(__name__)

COUNTERS_KEY = "taskpulse:metrics:counters"
GAUGE_PREFIX = "taskpulse:metrics:websockets:"
FLUSH_SECONDS = 1.0
GAUGE_TTL = 90


class _Client:
    """One Redis client per process (a forked worker child makes its own)."""

    def __init__(self) -> None:
        self._pid = 0
        self._client: redis.Redis | None = None

    def get(self) -> redis.Redis:
        if self._client is None or self._pid != os.getpid():
            self._client = shared_redis(timeout=2)
            self._pid = os.getpid()
        return self._client


client = _Client()


class SharedCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()
        self._timer: threading.Thread | None = None

    def add(self, name: str, amount: int = 1) -> None:
        """Count `amount` more of `name`; flushed within FLUSH_SECONDS."""
        with self._lock:
            self._pending[name] += amount
            if self._timer is None:
                self._timer = start_daemon(self._flush_later, name="taskpulse-counters-flush")

    def _flush_later(self) -> None:
        time.sleep(FLUSH_SECONDS)
        self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending, self._timer = self._pending, Counter(), None
        if not pending:
            return
        try:
            with client.get().pipeline(transaction=False) as pipe:
                for name, amount in pending.items():
                    pipe.hincrby(COUNTERS_KEY, name, amount)
                pipe.execute()
        except REDIS_ERRORS:  # Redis is down: keep them for the next flush
            with self._lock:
                self._pending.update(pending)
            logger.debug("metrics counters not flushed", exc_info=True)

    @staticmethod
    def read() -> dict[str, int]:
        raw = client.get().hgetall(COUNTERS_KEY)
        return {key.decode(): int(value) for key, value in raw.items()}  # type: ignore[union-attr]


counters = SharedCounters()


class ProcessGauge:
    """This process' open WebSockets. A thread of its own stores it (the event loop never
    waits on Redis): at once after a change, and every GAUGE_TTL / 3 seconds anyway."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self.value = 0
        self._storer: threading.Thread | None = None

    @property
    def key(self) -> str:
        return f"{GAUGE_PREFIX}{socket.gethostname()}:{os.getpid()}"

    def add(self, delta: int) -> None:
        with self._lock:
            self.value += delta
            if self._storer is None:
                self._storer = start_daemon(self._store_forever, name="taskpulse-counters")
        self._changed.set()

    def store(self) -> None:
        try:
            client.get().set(self.key, self.value, ex=GAUGE_TTL)
        except REDIS_ERRORS:
            logger.debug("websocket gauge not stored", exc_info=True)

    def _store_forever(self) -> None:
        while True:
            self._changed.wait(timeout=GAUGE_TTL / 3)
            self._changed.clear()
            self.store()

    @staticmethod
    def read_total() -> int:
        redis_client = client.get()
        keys = list(redis_client.scan_iter(match=f"{GAUGE_PREFIX}*", count=500))
        values = redis_client.mget(keys) if keys else []
        return sum(int(value) for value in values if value is not None)


websockets = ProcessGauge()
