"""What a RabbitMQ broker holds (amqp://, amqps://), asked the way AMQP allows.

A queue's depth comes from a passive queue_declare: the messages ready at that moment and
the consumers, exact, for a queue that exists (a queue that does not is empty). The queue
views read the management HTTP API instead when RABBITMQ_MANAGEMENT_URL is set (sampled
statistics, with unacknowledged messages and the head message's timestamp), and fall back
to passive declares when it does not answer. A queue's messages cannot be listed without
taking them, so `maybe_queued` answers per queue, not per task; and the broker itself gives
a dead consumer's unacknowledged messages back, so there is no `unacked` to drop.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from amqp.exceptions import NotFound
from kombu import Connection

from config.celery import app as celery_app
from task_manager.broker.base import QueueDepth
from task_manager.broker.rabbitmq_api import RabbitManagement

logger = logging.getLogger(__name__)


class AmqpBroker:
    kind = "amqp"
    redelivers_on_disconnect = True

    def __init__(self, url: str, *, timeout: float = 5.0, management_url: str = "") -> None:
        self.url = url
        self.timeout = timeout
        self.vhost = Connection(url).virtual_host or "/"
        self.management = (
            RabbitManagement(management_url, vhost=self.vhost, timeout=timeout)
            if management_url
            else None
        )

    def connection(self) -> Connection:
        return celery_app.connection_for_read(
            self.url, connect_timeout=self.timeout, heartbeat=0,
            transport_options={"read_timeout": self.timeout, "write_timeout": self.timeout},
        )  # fmt: skip

    def declared_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]:
        """Passive queue_declare of each queue on one connection: ready and consumers."""
        depths = {}
        with self.connection() as conn:
            channel: Any = conn.channel()
            for name in sorted(set(queues)):
                try:
                    _, ready, consumers = channel.queue_declare(queue=name, passive=True)
                except NotFound:  # no such queue: nothing waits in it (the channel is closed)
                    depths[name] = QueueDepth(ready=0, consumers=0)
                    channel = conn.channel()
                    continue
                depths[name] = QueueDepth(ready=ready, consumers=consumers)
        return depths

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]:
        """From the management API when it is set and answers, else passive declares."""
        names = sorted(set(queues))
        found: dict[str, QueueDepth | None] = {}
        if self.management is not None:
            try:
                found = self.management.queue_depths(names)
            except Exception as exc:  # down, refused, garbage: the AMQP port still tells
                logger.warning("RabbitMQ management API unavailable: %r", exc)
        missing = [name for name in names if found.get(name) is None]
        depths = {name: depth for name, depth in found.items() if depth is not None}
        if missing:
            depths.update(self.declared_depths(missing))
        return depths

    def queue_lengths(self, queues: Iterable[str]) -> dict[str, int]:
        return {queue: depth.ready for queue, depth in self.queue_depths(queues).items()}

    def maybe_queued(self, task_ids: Mapping[str, Collection[str]]) -> set[str]:
        """Every id of a queue that has any message ready (exact, from passive declares: never
        the sampled statistics); a queue known empty holds none of them."""
        depths = self.declared_depths(task_ids)
        return {tid for queue, ids in task_ids.items() if depths[queue].ready for tid in ids}

    def unacked_tags(self) -> dict[str, str]:
        """Nothing to drop: RabbitMQ gives a dead consumer's messages back by itself."""
        return {}

    def drop_unacked(self, tag: str) -> None:
        raise NotImplementedError("RabbitMQ keeps unacknowledged messages per connection")

    def ping(self) -> None:
        with self.connection() as conn:
            conn.connect()

    def close(self) -> None:
        """Nothing held between calls: each opens and closes its own connection."""
