"""The broker interface (Broker, QueueDepth) and the broker URL's kind."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from config.env import BROKER_AMQP_SCHEMES as AMQP_SCHEMES
from config.env import BROKER_REDIS_SCHEMES as REDIS_SCHEMES
from config.env import broker_kind as env_broker_kind

__all__ = ["AMQP_SCHEMES", "REDIS_SCHEMES"]


class UnsupportedBroker(ValueError):
    """A broker URL whose scheme TaskPulse cannot read queues from."""


@dataclass(frozen=True)
class QueueDepth:
    """One queue as the broker sees it; None where this broker (or way of asking) cannot tell."""

    ready: int  # messages waiting to be delivered
    unacked: int | None = None  # delivered to a consumer and not acknowledged yet
    consumers: int | None = None  # consumers the broker counts on the queue
    head_timestamp: float | None = None  # when the oldest waiting message was published
    head_task_ids: tuple[str, ...] = ()  # task ids of the oldest messages (Redis)


class Broker(Protocol):
    """What recovery and the queue views ask of a broker (RedisBroker, AmqpBroker; fakes in
    unit tests)."""

    kind: str
    # The broker gives a dead consumer's unacknowledged messages back by itself (AMQP).
    redelivers_on_disconnect: bool

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]: ...
    def queue_lengths(self, queues: Iterable[str]) -> dict[str, int]: ...
    def maybe_queued(self, task_ids: Mapping[str, Collection[str]]) -> set[str]: ...
    def unacked_tags(self) -> dict[str, str]: ...
    def drop_unacked(self, tag: str) -> None: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...


def broker_kind(url: str) -> str:
    """ "redis" or "amqp", from the scheme of the broker URL (Kombu's form)."""
    kind = env_broker_kind(url)
    if not kind:
        raise UnsupportedBroker(f"unsupported broker URL scheme in {url.split(':', 1)[0]!r}")
    return kind
