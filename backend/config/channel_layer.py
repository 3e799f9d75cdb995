"""The channel layer: channels_redis' RedisPubSubChannelLayer with a smaller inbox per channel.

The layer keeps, in the web process, an inbox for each consumer's channel: what Redis
delivered and the consumer has not received yet. channels_redis makes it an asyncio.Queue,
3.3 KiB with its three deques and its Event, close to a tenth of what one idle WebSocket
costs (docs/BENCHMARKS.md). An `Inbox` does what the layer asks of that queue (put_nowait,
get) in about 0.2 KiB: its deque only while messages wait, its receivers in a list.

It is put in place through two private methods of channels_redis (4.3, pinned in the lock
file), `_get_layer` and `_subscribe_to_channel`; config/tests/test_channel_layer.py checks
that the layer of the settings still gives each channel an Inbox.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close


class Inbox:
    """An unbounded FIFO with asyncio.Queue's put_nowait and get, for one channel."""

    __slots__ = ("messages", "receivers")

    def __init__(self) -> None:
        self.messages: deque[Any] | None = None
        self.receivers: list[asyncio.Future[None]] = []

    def put_nowait(self, message: Any) -> None:
        if self.messages is None:
            self.messages = deque()
        self.messages.append(message)
        self.wake_next()

    async def get(self) -> Any:
        while not self.messages:
            receiver = asyncio.get_running_loop().create_future()
            self.receivers.append(receiver)
            try:
                await receiver
            except BaseException:
                # As asyncio.Queue.get: a receiver cancelled after it was woken passes its
                # turn on, so that the message still reaches a receiver that waits.
                receiver.cancel()
                if receiver in self.receivers:
                    self.receivers.remove(receiver)
                if self.messages and not receiver.cancelled():
                    self.wake_next()
                raise
        message = self.messages.popleft()
        if not self.messages:
            self.messages = None
        return message

    def wake_next(self) -> None:
        while self.receivers:
            receiver = self.receivers.pop(0)
            if not receiver.done():
                receiver.set_result(None)
                return


class PubSubLoopLayer(RedisPubSubLoopLayer):
    """channels_redis' layer of one event loop, its channels' inboxes made `Inbox`es."""

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = Inbox()
        await self._get_shard(channel).subscribe(channel)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer (the same configuration), one `PubSubLoopLayer` per loop."""

    def _get_layer(self) -> PubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = PubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer
