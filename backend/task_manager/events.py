"""Pushing execution changes to WebSocket clients through the channel layer.

Group names are built here and only here, from server-side ids:
- `executions.user.<id>`: status and progress of one user's executions;
- `executions.all`: status and progress of every execution (staff connections);
- `execution.<id>`: log lines of one execution (connections subscribed to it);
- `notifications.user.<id>`: one user's notifications.

Sync code (Celery workers, Django views) publishes through one long-lived event loop per
process, so the channel layer keeps its Redis connections between messages instead of
opening new ones for every update.

A status or progress event travels with its JSON text, encoded once here: a web process
forwards it to each of its connections as it is, instead of encoding it once per
connection (a fifth of the web process's time in a fan-out to 100 clients, make bench).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from config.outages import REDIS_ERRORS, Outage
from task_manager import counters

logger = logging.getLogger(__name__)
# While Redis is down every push fails: one line says so, one more when it is back, with
# the count (a traceback per push buried everything else). Clients catch up from the
# database (seq) when they reconnect, so a dropped push loses nothing.
layer_outage = Outage(logger, "channel layer: Redis", "live events are dropped")

ALL_EXECUTIONS_GROUP = "executions.all"
STATE_EVENTS = frozenset({"task.status", "task.progress"})


def user_executions_group(user_id: int) -> str:
    return f"executions.user.{user_id}"


def execution_group(execution_id: int) -> str:
    return f"execution.{execution_id}"


def user_notifications_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def execution_audience(user_id: int | None) -> list[str]:
    """Groups that see an execution's status and progress: its owner's and staff's."""
    groups = [ALL_EXECUTIONS_GROUP]
    if user_id is not None:
        groups.append(user_executions_group(user_id))
    return groups


class Publisher:
    """Sends channel-layer messages from sync code, in order, on a background event loop.

    One sender coroutine takes what is queued, in order: two changes of one execution are
    never interleaved on the wire, whatever threads reported them. It sends everything
    queued at once (send_batch), so that a thread busy reporting, which holds the GIL most
    of the time, does not leave the sender one PUBLISH per GIL switch behind (1,000 users'
    executions reported by one task: p50 105 ms behind before, make bench).
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[list[str], dict[str, Any]]] | None = None
        self._unsent = 0

    def _start(self) -> asyncio.AbstractEventLoop:
        # A forked worker child inherits the object but not the thread: start a new one.
        if self._loop is None or self._pid != os.getpid():
            self._loop = asyncio.new_event_loop()
            self._pid = os.getpid()
            self._unsent = 0
            self._queue = None
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(self._loop, ready), name="taskpulse-publisher", daemon=True
            )
            thread.start()
            ready.wait()
        return self._loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        self._queue = asyncio.Queue()
        loop.create_task(self._sender(self._queue))
        loop.call_soon(ready.set)
        loop.run_forever()

    async def _sender(self, queue: asyncio.Queue[tuple[list[str], dict[str, Any]]]) -> None:
        layer = get_channel_layer()
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < MAX_BATCH:
                batch.append(queue.get_nowait())
            try:
                await send_batch(layer, [(g, message) for groups, message in batch for g in groups])
            except REDIS_ERRORS as error:
                layer_outage.failed(error, count=len(batch))
            except Exception:  # a lost push must not stop the ones after it
                logger.warning("channel layer send failed", exc_info=True)
            else:
                layer_outage.succeeded()
                counters.counters.add("events_published", len(batch))
            finally:
                with self._lock:
                    self._unsent -= len(batch)
                    self._lock.notify_all()

    def publish(self, groups: list[str], message: dict[str, Any]) -> None:
        """Queue one message for several groups; returns at once."""
        with self._lock:
            loop = self._start()
            self._unsent += 1
        assert self._queue is not None
        loop.call_soon_threadsafe(self._queue.put_nowait, (groups, message))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued message is handed to the channel layer."""
        with self._lock:
            return self._lock.wait_for(lambda: self._unsent <= 0, timeout=timeout)


MAX_BATCH = 500


async def send_batch(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> None:
    """group_send each (group, message), in order; on Redis pub/sub, in one round trip.

    RedisPubSubChannelLayer's group_send is one PUBLISH awaited under its connection's
    lock; this sends the same PUBLISHes (its channel names, its serializer) as one pipeline
    under that lock. Any other layer gets plain group_sends.
    """
    if len(sends) == 1 or not isinstance(layer, RedisPubSubChannelLayer):
        for group, message in sends:
            await layer.group_send(group, message)
        return
    loop_layer = layer._get_layer()
    by_shard: dict[Any, list[tuple[str, bytes]]] = {}
    for group, message in sends:
        channel = loop_layer._get_group_channel_name(group)
        by_shard.setdefault(loop_layer._get_shard(channel), []).append(
            (channel, layer.serialize(message))
        )
    for shard, publishes in by_shard.items():
        async with shard._lock:
            shard._ensure_redis()
            async with shard._redis.pipeline(transaction=False) as pipe:
                for channel, data in publishes:
                    pipe.publish(channel, data)
                await pipe.execute()


publisher = Publisher()


def publish(groups: list[str], message: dict[str, Any]) -> None:
    publisher.publish(groups, on_the_wire(message))


def on_the_wire(message: dict[str, Any]) -> dict[str, Any]:
    """A state event as the channel layer carries it: what a consumer filters on, and the
    client's JSON text (the consumer's `send_state`)."""
    if message["type"] not in STATE_EVENTS:
        return message
    return {
        "type": message["type"],
        "execution_id": message["execution_id"],
        "seq": message["seq"],
        "text": encode(message),
    }


def encode(message: dict[str, Any]) -> str:
    """The JSON text of a message to a client."""
    return json.dumps(message, separators=(",", ":"))
