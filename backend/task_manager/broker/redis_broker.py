"""What the Redis broker holds: recovery asks whether a task's message still exists.

Kombu's Redis transport keeps each queue as a list of JSON messages, and the messages that a
worker took but has not acknowledged (acks_late) in the `unacked` hash, keyed by delivery
tag, with the `unacked_index` sorted set beside it. A sentinel:// URL reaches the master
that the sentinels name (transport option `master_name`, as Kombu reads it).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from config.redis_conn import redis_client
from task_manager.broker.base import QueueDepth

UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


def message_task_id(raw: bytes | str | None) -> str | None:
    try:
        message: Any = json.loads(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if isinstance(message, list) and message:  # unacked entries: [message, exchange, key]
        message = message[0]
    headers = message.get("headers") if isinstance(message, dict) else None
    return headers.get("id") if isinstance(headers, dict) else None


def list_names(queue: str) -> list[str]:
    """The Redis lists of a queue: itself and its priority sub-queues."""
    return [queue, *(f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)]


class RedisBroker:
    kind = "redis"
    redelivers_on_disconnect = False

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float = 5,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        from django.conf import settings

        if url is None:
            url, options = settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS
        options = options or {}
        self.client = redis_client(url, timeout=timeout, master=options.get("master_name", ""),
                                   sentinel_kwargs=options.get("sentinel_kwargs"))  # fmt: skip

    def queued_task_ids(self, queues: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for queue in set(queues):
            for name in list_names(queue):
                found.update(filter(None, map(message_task_id, self.client.lrange(name, 0, -1))))
        return found

    def maybe_queued(self, task_ids: Mapping[str, Collection[str]]) -> set[str]:
        """Exact on Redis: the ids among these whose message waits in its queue."""
        wanted = {task_id for ids in task_ids.values() for task_id in ids}
        return wanted & self.queued_task_ids(task_ids)

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]:
        """Messages waiting in each queue (its priority sub-queues included), and the task
        ids of the oldest ones (Kombu pushes on the left and takes from the right)."""
        names = sorted(set(queues))
        with self.client.pipeline(transaction=False) as pipe:
            for queue in names:
                for name in list_names(queue):
                    pipe.llen(name)
                    pipe.lindex(name, -1)
            replies = iter(pipe.execute())
        depths = {}
        for queue in names:
            pairs = [(next(replies), next(replies)) for _ in list_names(queue)]
            heads = (message_task_id(head) for _, head in pairs)
            depths[queue] = QueueDepth(ready=sum(length for length, _ in pairs),
                                       head_task_ids=tuple(filter(None, heads)))  # fmt: skip
        return depths

    def queue_lengths(self, queues: Iterable[str]) -> dict[str, int]:
        """Messages waiting in each queue, its priority sub-queues included."""
        return {queue: depth.ready for queue, depth in self.queue_depths(queues).items()}

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

    def ping(self) -> None:
        self.client.ping()

    def close(self) -> None:
        self.client.close()
