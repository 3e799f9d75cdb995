"""Brokers answered from memory, for recovery's unit tests: one like Redis (what waits and
what is unacknowledged, per task) and one like RabbitMQ (messages ready per queue only; the
broker redelivers a dead consumer's messages itself)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from task_manager.broker import QueueDepth


class FakeBroker:
    kind = "redis"
    redelivers_on_disconnect = False

    def __init__(self, queued: Iterable[str] = (), unacked: dict[str, str] | None = None) -> None:
        self.queued = set(queued)
        self.unacked = dict(unacked or {})
        self.dropped: list[str] = []
        self.closed = False

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]:
        return {queue: QueueDepth(ready=len(self.queued)) for queue in queues}

    def queue_lengths(self, queues: Iterable[str]) -> dict[str, int]:
        return {queue: depth.ready for queue, depth in self.queue_depths(queues).items()}

    def maybe_queued(self, task_ids: Mapping[str, Collection[str]]) -> set[str]:
        return {tid for ids in task_ids.values() for tid in ids} & self.queued

    def unacked_tags(self) -> dict[str, str]:
        return self.unacked

    def drop_unacked(self, tag: str) -> None:
        self.dropped.append(tag)

    def ping(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class FakeAmqpBroker(FakeBroker):
    """`ready`: messages ready per queue; `asked`: the queues passive-declared, in order."""

    kind = "amqp"
    redelivers_on_disconnect = True

    def __init__(self, ready: dict[str, int] | None = None) -> None:
        super().__init__()
        self.ready = dict(ready or {})
        self.asked: list[list[str]] = []

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth]:
        return {queue: QueueDepth(ready=self.ready.get(queue, 0)) for queue in queues}

    def maybe_queued(self, task_ids: Mapping[str, Collection[str]]) -> set[str]:
        self.asked.append(sorted(task_ids))
        return {tid for queue, ids in task_ids.items() if self.ready.get(queue) for tid in ids}

    def drop_unacked(self, tag: str) -> None:
        raise AssertionError("RabbitMQ has no unacknowledged message to drop")
