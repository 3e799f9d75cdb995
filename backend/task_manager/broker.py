"""What the Redis broker holds: recovery asks whether a task's message still exists.

Kombu's Redis transport keeps each queue as a list of JSON messages, and the messages that a
worker took but has not acknowledged (acks_late) in the `unacked` hash, keyed by delivery
tag, with the `unacked_index` sorted set beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

import redis
from django.conf import settings

UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


def message_task_id(raw: bytes | str) -> str | None:
    try:
        message: Any = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if isinstance(message, list) and message:  # unacked entries: [message, exchange, key]
        message = message[0]
    headers = message.get("headers") if isinstance(message, dict) else None
    return headers.get("id") if isinstance(headers, dict) else None


class Broker(Protocol):
    """What recovery needs to know of a broker (RedisBroker; a fake in unit tests)."""

    def queued_task_ids(self, queues: Iterable[str]) -> set[str]: ...
    def unacked_tags(self) -> dict[str, str]: ...
    def drop_unacked(self, tag: str) -> None: ...


class RedisBroker:
    def __init__(self, url: str | None = None, timeout: float = 5) -> None:
        self.client = redis.Redis.from_url(
            url or settings.CELERY_BROKER_URL,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )

    def queued_task_ids(self, queues: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for queue in set(queues):
            names = [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]
            for name in names:
                found.update(filter(None, map(message_task_id, self.client.lrange(name, 0, -1))))
        return found

    def queue_lengths(self, queues: Iterable[str]) -> dict[str, int]:
        """Messages waiting in each queue, its priority sub-queues included."""
        names = sorted(set(queues))
        with self.client.pipeline(transaction=False) as pipe:
            for queue in names:
                for name in (queue, *(f"{queue}{PRIORITY_SEPARATOR}{s}" for s in PRIORITY_STEPS)):
                    pipe.llen(name)
            lengths = iter(pipe.execute())
        per_queue = 1 + len(PRIORITY_STEPS)
        return {queue: sum(next(lengths) for _ in range(per_queue)) for queue in names}

    def unacked_tags(self) -> dict[str, str]:
        """task id -> delivery tag of every message taken by a worker and not acknowledged."""
        entries: dict[bytes, bytes] = self.client.hgetall(UNACKED)  # type: ignore[assignment]
        tags = {}
        for tag, raw in entries.items():
            task_id = message_task_id(raw)
            if task_id:
                tags[task_id] = tag.decode()
        return tags

    def drop_unacked(self, tag: str) -> None:
        """Forget a dead worker's copy, so it is not redelivered after the visibility timeout."""
        with self.client.pipeline() as pipe:
            pipe.hdel(UNACKED, tag)
            pipe.zrem(UNACKED_INDEX, tag)
            pipe.execute()
