"""Redis through Sentinel, for real: a master and a sentinel (both with passwords) started
for the test; TaskPulse's broker reader, the cache, the channel layer and Kombu (Celery's
broker transport) all reach the master by asking the sentinel, from a sentinel:// URL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.core.cache.backends.redis import RedisCache
from kombu import Connection

from config.redis_conn import cache_settings, channel_layer_host, redis_client, transport_options
from task_manager.broker import RedisBroker
from testing.sentinel import MASTER, SentinelGroup, sentinel_group


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelGroup]:
    with sentinel_group(tmp_path_factory.mktemp("sentinel")) as started:
        yield started


def settings_of(group: SentinelGroup) -> dict[str, str]:
    return {"master": MASTER, "sentinel_password": group.sentinel_password}


def test_a_plain_client_reaches_the_master(group: SentinelGroup) -> None:
    client = redis_client(group.url(db=3), timeout=2, master=MASTER,
                          sentinel_kwargs={"password": group.sentinel_password})  # fmt: skip
    client.set("taskpulse:sentinel", "yes")
    assert group.master(db=3).get("taskpulse:sentinel") == b"yes"


def test_the_redis_broker_reads_queues_on_the_master(group: SentinelGroup) -> None:
    url = group.url(db=4)
    broker = RedisBroker(url, timeout=2, options=transport_options(url, **settings_of(group)))
    group.master(db=4).lpush("q", json.dumps({"headers": {"id": "t-1"}, "body": ""}))

    depths = broker.queue_depths(["q", "empty"])

    assert (depths["q"].ready, depths["q"].head_task_ids, depths["empty"].ready) == (1, ("t-1",), 0)
    assert broker.maybe_queued({"q": ["t-1", "t-2"]}) == {"t-1"}


def test_the_cache_reaches_the_master(group: SentinelGroup) -> None:
    config = cache_settings(group.url(db=5), **settings_of(group))
    cache = RedisCache(config["LOCATION"], {"OPTIONS": config["OPTIONS"], "KEY_PREFIX": "tp"})
    cache.set("answer", 42, timeout=60)
    assert cache.get("answer") == 42
    assert group.master(db=5).exists("tp:1:answer") == 1


async def test_the_channel_layer_reaches_the_master(group: SentinelGroup) -> None:
    host = channel_layer_host(group.url(db=6), **settings_of(group), socket_connect_timeout=2)
    layer = RedisPubSubChannelLayer(hosts=[host])
    channel = await layer.new_channel()
    await layer.group_add("sentinel-test", channel)
    await layer.group_send("sentinel-test", {"type": "hello", "text": "via sentinel"})
    assert (await layer.receive(channel))["text"] == "via sentinel"
    await layer.flush()


def test_kombu_publishes_and_consumes_through_the_sentinel(group: SentinelGroup) -> None:
    url = group.url(db=7)
    options = transport_options(url, **settings_of(group))
    with Connection(url, transport_options=options, connect_timeout=2) as conn:
        queue = conn.SimpleQueue("sentinel-q")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.payload == {"n": 1}
    assert group.master(db=7).llen("sentinel-q") == 0
