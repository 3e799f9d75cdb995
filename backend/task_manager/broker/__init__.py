"""What the broker holds, for recovery and the queue views; `open_broker` picks the
implementation from the broker URL's scheme (Redis, Redis through Sentinel, or RabbitMQ).

What is exact and what is approximate on each broker (README, "Scaling out"):

- Messages waiting in a queue. Redis: exact (LLEN, priority sub-queues included). RabbitMQ:
  exact at the moment of a passive queue_declare; sampled (every 5 s by default) when read
  from the management API (RABBITMQ_MANAGEMENT_URL), which the queue views prefer.
- Messages taken by a worker and not acknowledged. Redis: exact, per task (the `unacked`
  hash). RabbitMQ: a count per queue from the management API only; per task, only the live
  workers can say (Celery's inspect, as recovery asks them).
- Is this task's message still queued? Redis: exact (the queue lists are read). RabbitMQ:
  a queue cannot be listed without taking its messages, so the answer is "maybe" for every
  task of a queue that has a message ready, and "no" only for a queue known empty.
- A dead worker's unacknowledged messages. Redis: kept until the visibility timeout (hours);
  recovery drops them and sends the task again. RabbitMQ: redelivered by the broker as soon
  as the worker's connection closes (a killed process: at once; a lost machine: after the
  heartbeat timeout); recovery waits for that copy, which takes the execution over
  (task_manager.owners), instead of sending one of its own.
- Age of a queue's oldest message. Redis: its execution's queued_at (the head message's task
  id is read). RabbitMQ: the head message's timestamp property (TaskPulse stamps what it
  publishes) when the management API reports it (classic queues); otherwise the oldest
  waiting execution's queued_at in the database (messages not sent by TaskPulse unseen).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from task_manager.broker.amqp_broker import AmqpBroker
from task_manager.broker.base import (
    AMQP_SCHEMES,
    REDIS_SCHEMES,
    Broker,
    QueueDepth,
    UnsupportedBroker,
    broker_kind,
)
from task_manager.broker.redis_broker import (
    PRIORITY_SEPARATOR,
    PRIORITY_STEPS,
    RedisBroker,
    message_task_id,
)


def broker_redelivers_on_disconnect(url: str | None = None) -> bool:
    return broker_kind(url or settings.CELERY_BROKER_URL) == "amqp"


def open_broker(url: str | None = None, *, timeout: float = 5.0) -> Broker:
    """The broker of CELERY_BROKER_URL (or `url`); close it after use."""
    url = url or settings.CELERY_BROKER_URL
    if broker_kind(url) == "amqp":
        return AmqpBroker(url, timeout=timeout, management_url=settings.RABBITMQ_MANAGEMENT_URL)
    return RedisBroker(url, timeout=timeout, options=settings.CELERY_BROKER_TRANSPORT_OPTIONS)


def queue_depths(queues: Iterable[str], *, timeout: float) -> dict[str, QueueDepth]:
    """Each queue's depth, read on a broker connection of its own (the queue views)."""
    broker = open_broker(timeout=timeout)
    try:
        return broker.queue_depths(queues)
    finally:
        broker.close()


__all__ = [
    "AMQP_SCHEMES",
    "PRIORITY_SEPARATOR",
    "PRIORITY_STEPS",
    "REDIS_SCHEMES",
    "AmqpBroker",
    "Broker",
    "QueueDepth",
    "RedisBroker",
    "UnsupportedBroker",
    "broker_kind",
    "broker_redelivers_on_disconnect",
    "message_task_id",
    "open_broker",
    "queue_depths",
]
