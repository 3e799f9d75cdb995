"""The channel layer (config.channel_layer): its per-channel Inbox alone, then the layer on
the test Redis, as the settings configure it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from config.channel_layer import Inbox, PubSubChannelLayer, PubSubLoopLayer

WAIT = 5  # a bound for a loaded machine, not a measure


async def waiting(inbox: Inbox, count: int = 1) -> list[asyncio.Task[Any]]:
    """`count` receivers, each waiting on the inbox by the time this returns."""
    tasks = [asyncio.create_task(inbox.get()) for _ in range(count)]
    while len(inbox.receivers) < count:
        await asyncio.sleep(0)
    return tasks


async def test_an_inbox_gives_messages_in_order_and_keeps_nothing_once_empty() -> None:
    inbox = Inbox()
    for n in range(3):
        inbox.put_nowait(n)

    got = [await inbox.get() for _ in range(3)]

    assert got == [0, 1, 2]
    assert (inbox.messages, inbox.receivers) == (None, [])


async def test_a_waiting_receiver_gets_the_next_message() -> None:
    inbox = Inbox()
    (receiver,) = await waiting(inbox)

    inbox.put_nowait("hello")

    assert await asyncio.wait_for(receiver, WAIT) == "hello"
    assert inbox.receivers == []


async def test_receivers_are_served_first_come_first_served() -> None:
    inbox = Inbox()
    first, second = await waiting(inbox, 2)

    inbox.put_nowait("a")
    inbox.put_nowait("b")

    assert await asyncio.wait_for(asyncio.gather(first, second), WAIT) == ["a", "b"]


async def test_a_cancelled_receiver_leaves_and_takes_no_message() -> None:
    inbox = Inbox()
    (receiver,) = await waiting(inbox)

    receiver.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiver
    inbox.put_nowait("kept")

    assert inbox.receivers == []
    assert await inbox.get() == "kept"


async def test_a_receiver_cancelled_after_it_was_woken_passes_the_message_on() -> None:
    inbox = Inbox()
    woken, other = await waiting(inbox, 2)

    inbox.put_nowait("only")  # wakes `woken`, which is cancelled before it runs
    woken.cancel()

    assert await asyncio.wait_for(other, WAIT) == "only"
    with pytest.raises(asyncio.CancelledError):
        await woken


async def test_the_settings_layer_gives_each_channel_an_inbox_and_delivers_through_it() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("channel-layer-test.group", channel)
    loop_layer = layer._get_layer()

    await layer.send(channel, {"type": "direct"})
    await layer.group_send("channel-layer-test.group", {"type": "group"})
    got = [await asyncio.wait_for(layer.receive(channel), WAIT) for _ in range(2)]

    assert isinstance(layer, PubSubChannelLayer)
    assert isinstance(loop_layer, PubSubLoopLayer)
    assert type(loop_layer.channels[channel]) is Inbox
    assert [m["type"] for m in got] == ["direct", "group"]
    await layer.group_discard("channel-layer-test.group", channel)


async def test_a_cancelled_receive_unsubscribes_its_channel() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    inbox = layer._get_layer().channels[channel]
    receive = asyncio.create_task(layer.receive(channel))
    while not inbox.receivers:  # until it waits
        await asyncio.sleep(0)

    receive.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receive

    assert channel not in layer._get_layer().channels
