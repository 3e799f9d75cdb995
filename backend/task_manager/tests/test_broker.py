"""The broker behind recovery and the queue views: chosen by the URL's scheme; RabbitMQ's
management API read from a fake HTTP server (the plugin is not enabled on every machine),
with passive declares when it fails."""

from __future__ import annotations

import base64
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from task_manager.broker import (
    AmqpBroker,
    QueueDepth,
    RedisBroker,
    UnsupportedBroker,
    broker_kind,
    open_broker,
)
from task_manager.broker.rabbitmq_api import COLUMNS
from task_manager.models import ExecutionStatus as S
from task_manager.tests.factories import make_execution
from testing.fake_flower import Reply, fake_flower

BROKER = "amqp://guest:guest@127.0.0.1:1/tp-vhost"  # nothing listens: AMQP must not be used


@pytest.mark.parametrize(("url", "kind"), [
    ("redis://127.0.0.1:6379/0", "redis"),
    ("sentinel://s1:26379;sentinel://s2:26379", "redis"),
    ("amqp://guest:guest@rabbit:5672//", "amqp"),
    ("amqps://u:p@rabbit:5671/vh", "amqp"),
    ("pyamqp://rabbit", "amqp"),
])  # fmt: skip
def test_the_broker_is_chosen_by_the_url_s_scheme(url: str, kind: str, settings: Any) -> None:
    settings.RABBITMQ_MANAGEMENT_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": "mymaster"}
    assert broker_kind(url) == kind
    broker = open_broker(url, timeout=0.5)
    assert isinstance(broker, AmqpBroker if kind == "amqp" else RedisBroker)
    assert broker.redelivers_on_disconnect is (kind == "amqp")
    broker.close()


def test_a_broker_url_of_another_kind_is_refused() -> None:
    with pytest.raises(UnsupportedBroker, match="sqs"):
        broker_kind("sqs://key:secret@")


def rows(*entries: dict[str, Any]) -> Reply:
    return Reply(body=list(entries))


def test_the_management_api_gives_depth_unacked_consumers_and_head_age() -> None:
    stamp = int(time.time()) - 42
    answer = rows(
        {"name": "deploy", "messages_ready": 7, "messages_unacknowledged": 2, "consumers": 3,
         "head_message_timestamp": stamp},
        {"name": "fresh"},  # just declared: no statistics yet
        {"name": "other", "messages_ready": 1},
    )  # fmt: skip
    with fake_flower({"/api/queues/tp-vhost": answer}) as api:
        broker = AmqpBroker(BROKER, timeout=2,
                            management_url=api.url.replace("//", "//ops:s3cret@"))  # fmt: skip
        broker.declared_depths = lambda queues: {n: QueueDepth(ready=9) for n in queues}  # type: ignore[method-assign]
        depths = broker.queue_depths(["deploy", "fresh", "absent"])
    seen = api.seen[0]

    assert depths["deploy"] == QueueDepth(ready=7, unacked=2, consumers=3, head_timestamp=stamp)
    assert depths["fresh"] == QueueDepth(ready=9)  # from a passive declare instead
    assert depths["absent"] == QueueDepth(ready=0, unacked=0, consumers=0)  # no such queue
    assert seen.query == f"columns={COLUMNS.replace(',', '%2C')}"
    assert seen.headers["Authorization"] == "Basic " + base64.b64encode(b"ops:s3cret").decode()


@pytest.mark.parametrize("reply", [Reply(500, "boom"), Reply(body={"error": "x"}),
                                   Reply(body="<html>login</html>")])  # fmt: skip
def test_a_failing_management_api_falls_back_to_passive_declares(reply: Reply) -> None:
    with fake_flower({"/api/queues/tp-vhost": reply}) as api:
        broker = AmqpBroker(BROKER, timeout=2, management_url=api.url)
        declared = {"a": QueueDepth(ready=5, consumers=1), "b": QueueDepth(ready=5, consumers=1)}
        broker.declared_depths = lambda queues: declared  # type: ignore[method-assign]
        assert broker.queue_depths(["a", "b"]) == {
            "a": QueueDepth(ready=5, consumers=1), "b": QueueDepth(ready=5, consumers=1),
        }  # fmt: skip


def test_the_default_vhost_is_quoted_in_the_api_path() -> None:
    with fake_flower({"/api/queues/%2F": rows({"name": "celery", "messages_ready": 3})}) as api:
        broker = AmqpBroker("amqp://guest:guest@127.0.0.1:1//", management_url=api.url)
        assert broker.queue_lengths(["celery"]) == {"celery": 3}


@pytest.mark.django_db
def test_the_queue_view_on_rabbitmq_shows_the_head_age_or_the_oldest_execution(
    staff_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cluster import queues

    settings.CELERY_BROKER_URL = BROKER
    settings.FLOWER_URL = "http://127.0.0.1:9"
    monkeypatch.setattr(queues, "cluster_workers", lambda: {"workers": []})
    monkeypatch.setattr(queues, "known_queue_names", lambda workers: ["stamped", "plain", "idle"])
    now = timezone.now()
    make_execution(status=S.PENDING, queue="plain", queued_at=now - timedelta(seconds=70))
    make_execution(status=S.PENDING, queue="idle", queued_at=now - timedelta(seconds=99))
    answer = rows(
        {"name": "stamped", "messages_ready": 2, "messages_unacknowledged": 1, "consumers": 1,
         "head_message_timestamp": int(time.time()) - 30},
        {"name": "plain", "messages_ready": 1, "messages_unacknowledged": 0, "consumers": 0},
        {"name": "idle", "messages_ready": 0, "messages_unacknowledged": 0, "consumers": 0},
    )  # fmt: skip
    client = APIClient()
    client.force_authenticate(staff_user)
    with fake_flower({"/api/queues/tp-vhost": answer}) as api:
        settings.RABBITMQ_MANAGEMENT_URL = api.url
        body = client.get("/api/tasks/queues/").json()

    by_name = {row["name"]: row for row in body["queues"]}
    assert body["broker"] == "ok"
    assert (by_name["stamped"]["length"], by_name["stamped"]["unacknowledged"]) == (2, 1)
    assert 29 <= by_name["stamped"]["oldest_age_seconds"] < 60  # the broker's head timestamp
    assert 69 <= by_name["plain"]["oldest_age_seconds"] < 100  # the oldest execution's
    assert by_name["idle"]["oldest_age_seconds"] is None  # nothing waits there
