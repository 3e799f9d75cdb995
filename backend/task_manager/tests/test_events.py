"""The publisher on the real channel layer (Redis pub/sub on the test Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest
from channels.layers import get_channel_layer
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import SentinelConnectionPool

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


async def test_publishes_that_find_the_sender_busy_or_idle_all_arrive() -> None:
    # Four threads publish in spurts with pauses: some find the sender sending (their
    # message waits for its next batch), some find it idle (they wake it).
    layer, channel = await listen("events-test.spurts")
    publisher = Publisher()

    def spurts(thread: int) -> None:
        for spurt in range(10):
            for n in range(5):
                publisher.publish(["events-test.spurts"], {"type": "t", "n": (thread, spurt, n)})
            time.sleep(0.003 * (thread + 1))

    await asyncio.gather(*(asyncio.to_thread(spurts, thread) for thread in range(4)))
    assert await asyncio.to_thread(publisher.flush, 10)

    got = [tuple(m["n"]) for m in await received(layer, channel, 200)]
    for thread in range(4):  # each thread's messages whole and in its order
        assert [n for n in got if n[0] == thread] == sorted(n for n in got if n[0] == thread)
    assert len(set(got)) == 200


async def test_a_batch_is_the_publishes_of_the_group_sends_it_stands_for() -> None:
    layer, channel = await listen("events-test.batch")
    batch = [(["events-test.batch"], {"type": "t", "n": n}) for n in range(5)]
    batch.insert(2, (["events-test.elsewhere"], {"type": "t", "n": -1}))
    batch.append((["events-test.elsewhere", "events-test.batch"], {"type": "t", "n": 5}))

    await asyncio.to_thread(events.LayerPublishes(layer).send, batch)

    assert [m["n"] for m in await received(layer, channel, 6)] == [0, 1, 2, 3, 4, 5]


def test_other_layers_get_plain_group_sends() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            sent.append((group, message))

    send = events.batch_sender(Layer())
    send([(["a", "b"], {"n": 1})])
    send([(["c"], {"n": 2})])  # the same loop again

    assert sent == [("a", {"n": 1}), ("b", {"n": 1}), ("c", {"n": 2})]


def test_the_blocking_pool_has_the_layer_hosts_options_and_retries() -> None:
    backoff = ExponentialBackoff(cap=1.0, base=0.1)
    options = {"socket_timeout": 30, "retry": AsyncRetry(backoff, 4)}

    pool = events.blocking_pool({"address": "redis://127.0.0.1:6390/3", **options})

    kwargs = pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["socket_timeout"]) == (
        "127.0.0.1", 6390, 3, 30,
    )  # fmt: skip
    assert isinstance(kwargs["retry"], Retry)
    assert (kwargs["retry"]._backoff, kwargs["retry"].get_retries()) == (backoff, 4)
    sentinel = events.blocking_pool({"sentinels": [("127.0.0.1", 26390)], "master_name": "m",
                                     "db": 2, **options})  # fmt: skip
    assert isinstance(sentinel, SentinelConnectionPool)
    assert (sentinel.service_name, sentinel.connection_kwargs["db"]) == ("m", 2)


# The fork is the point (a prefork child of a process whose sender thread runs): Python 3.12+
# warns about forking a threaded process.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_wait_on_its_parents_queue_at_exit() -> None:
    """flush() runs at every exit (atexit): a prefork child inherits the parent's queue count
    and, if the fork came mid-send, its held lock; neither is the child's to wait for."""
    publisher = Publisher()
    publisher.publish(["executions.all"], {"type": "task.status"})  # a sender in this process
    publisher._unsent += 3  # as if three were still on their way when the fork came
    with publisher._lock:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through its exit status
            os._exit(0 if publisher.flush(timeout=30) else 1)
    deadline = time.monotonic() + 10
    while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    publisher._unsent -= 3

    assert done[0] == child, "the child waited on its parent's queue"
    assert os.waitstatus_to_exitcode(done[1]) == 0
