"""The publisher on the real channel layer (Redis pub/sub on the test Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import get_channel_layer

from task_manager import events
from task_manager.events import Publisher


async def listen(group: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def received(layer: Any, channel: str, count: int) -> list[dict[str, Any]]:
    return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]


async def test_a_burst_from_a_busy_thread_arrives_whole_and_in_order() -> None:
    layer, channel = await listen("events-test.burst")
    publisher = Publisher()

    def report() -> None:  # a task thread reporting as fast as it can
        for n in range(300):
            publisher.publish(["events-test.burst", "events-test.nobody"], {"type": "t", "n": n})
        assert publisher.flush(timeout=10)

    await asyncio.to_thread(report)

    got = await received(layer, channel, 300)
    assert [m["n"] for m in got] == list(range(300))


async def test_a_batch_is_the_group_sends_it_stands_for() -> None:
    layer, channel = await listen("events-test.batch")
    sends = [("events-test.batch", {"type": "t", "n": n}) for n in range(5)]
    sends.insert(2, ("events-test.elsewhere", {"type": "t", "n": -1}))

    await events.send_batch(layer, sends)

    assert [m["n"] for m in await received(layer, channel, 5)] == [0, 1, 2, 3, 4]


async def test_other_layers_get_plain_group_sends() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            sent.append((group, message))

    sends = [("a", {"n": 1}), ("b", {"n": 2})]
    await events.send_batch(Layer(), sends)

    assert sent == sends
