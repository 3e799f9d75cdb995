"""Pushing execution changes to WebSocket clients through the channel layer.

Group names are built here and only here, from server-side ids:
- `executions.user.<id>`: status and progress of one user's executions;
- `executions.all`: status and progress of every execution (staff connections);
- `execution.<id>`: log lines of one execution (connections subscribed to it);
- `notifications.user.<id>`: one user's notifications.

Sync code (Celery workers, Django views) publishes through one background thread per
process, which keeps its Redis connections between messages instead of opening new ones
for every update.

A status or progress event travels with its JSON text, encoded once here: a web process
forwards it to each of its connections as it is, instead of encoding it once per
connection (a fifth of the web process's time in a fan-out to 100 clients, make bench).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import redis
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash, decode_hosts
from redis.asyncio.retry import Retry as AsyncRetry
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelConnectionPool

from config.outages import REDIS_ERRORS, Outage
from config.threads import start_daemon
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
    """Sends channel-layer messages from sync code, in order, from one background thread.

    The sender takes what is queued, in order: two changes of one execution are never
    interleaved on the wire, whatever threads reported them. It sends everything queued at
    once, so that a thread busy reporting, which holds the GIL most of the time, does not
    leave the sender one PUBLISH per GIL switch behind (1,000 users' executions reported by
    one task: p50 105 ms behind before, make bench).

    A publish only appends to the queue; it wakes the sender only when the sender waits for
    work. A sender still busy with the last batch takes the new message with the next one.
    """

    def __init__(self) -> None:
        # A short-lived process (a management command, a script) queues its last messages
        # just before it exits; the daemon sender must hand them over first.
        atexit.register(self.flush)
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the sender waits for a publish
        self._sent = threading.Condition(self._lock)  # flush() waits for the sender
        self._pid: int | None = None
        self._queue: deque[tuple[list[str], dict[str, Any]]] = deque()
        self._waiting = False  # the sender waits on _work: the next publish wakes it
        self._unsent = 0

    def _start(self) -> None:
        # A forked worker child inherits the object but not the thread: start a new one.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._unsent = 0
            self._queue = deque()
            self._waiting = False
            start_daemon(self._sender, name="taskpulse-publisher")

    def _take(self) -> list[tuple[list[str], dict[str, Any]]]:
        """What is queued (at most MAX_BATCH), in order, once there is something."""
        with self._lock:
            while not self._queue:
                self._waiting = True
                self._work.wait()
            self._waiting = False
            return [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]

    def _sender(self) -> None:
        send = batch_sender(get_channel_layer())
        while True:
            batch = self._take()
            try:
                send(batch)
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
                    self._sent.notify_all()

    def publish(self, groups: list[str], message: dict[str, Any]) -> None:
        """Queue one message for several groups; returns at once."""
        with self._lock:
            self._start()
            self._unsent += 1
            self._queue.append((groups, message))
            if self._waiting:
                self._work.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued message is handed to the channel layer."""
        if self._pid != os.getpid():
            # No sender in this process yet (a forked child that has published nothing, as
            # it exits): what it inherited queued was its parent's, and so was the lock.
            return True
        with self._lock:
            return self._sent.wait_for(lambda: self._unsent <= 0, timeout=timeout)


MAX_BATCH = 500
Batch = list[tuple[list[str], dict[str, Any]]]  # (groups, message), in order


def batch_sender(layer: Any) -> Callable[[Batch], None]:
    """How the sender thread hands a batch to this layer: on Redis pub/sub, PUBLISHes with
    redis-py's blocking client (LayerPublishes); on any other layer, its group_sends, run on
    an event loop that the thread keeps (the layer's connections live as long)."""
    if isinstance(layer, RedisPubSubChannelLayer):
        return LayerPublishes(layer).send
    loop = asyncio.new_event_loop()

    async def group_sends(batch: Batch) -> None:
        for groups, message in batch:
            for group in groups:
                await layer.group_send(group, message)

    return lambda batch: loop.run_until_complete(group_sends(batch))


class LayerPublishes:
    """The PUBLISHes that RedisPubSubChannelLayer's group_send makes (its channel names, its
    shards, its serializer), made with redis-py's blocking client: one pipeline per shard
    for a whole batch, each message serialized once for all its groups.

    The layer's own group_send goes through redis-py's asyncio client, which took 137 µs of
    CPU for an event's two PUBLISHes where the blocking client takes 82, and an event loop
    woken through its self-pipe for each event: together 40 % of a worker's progress write.
    """

    def __init__(self, layer: RedisPubSubChannelLayer) -> None:
        config = layer._kwargs  # its CONFIG, as channels_redis keeps it
        self.prefix = config.get("prefix", "asgi")
        self.serialize = layer.serialize
        self.shards = [redis.Redis(connection_pool=blocking_pool(host))
                       for host in decode_hosts(config.get("hosts"))]  # fmt: skip

    def send(self, batch: Batch) -> None:
        by_shard: dict[int, list[tuple[str, bytes]]] = {}
        for groups, message in batch:
            data = self.serialize(message)
            for group in groups:
                channel = f"{self.prefix}__group__{group}"  # RedisPubSubLoopLayer's name
                shard = _consistent_hash(channel, len(self.shards))
                by_shard.setdefault(shard, []).append((channel, data))
        for shard, publishes in by_shard.items():
            with self.shards[shard].pipeline(transaction=False) as pipe:
                for channel, data in publishes:
                    pipe.publish(channel, data)
                pipe.execute()


def blocking_pool(host: dict[str, Any]) -> redis.ConnectionPool:
    """channels_redis' create_pool(host) with redis-py's blocking classes: an address, or a
    master that sentinels name, with the same options. A host's `retry` is redis.asyncio's
    (the layer's connections take it): the blocking one gets the same backoff and tries."""
    host = dict(host)
    retry = host.get("retry")
    if isinstance(retry, AsyncRetry):
        host["retry"] = Retry(retry._backoff, retry.get_retries(), retry._supported_errors)
    if "address" in host:
        return redis.ConnectionPool.from_url(host.pop("address"), **host)
    master_name = host.pop("master_name", None)
    if master_name is not None:
        options = host.pop("sentinel_kwargs", None)
        sentinels = Sentinel(host.pop("sentinels"), sentinel_kwargs=options)
        return SentinelConnectionPool(master_name, sentinels, **host)
    return redis.ConnectionPool(**host)


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
