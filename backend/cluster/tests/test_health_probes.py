"""Liveness and readiness, for an orchestrator: /api/health/live/ answers without touching
anything; /api/health/ready/ answers 200 only when the database, the channel layer and the
broker answer, and 503 naming the part that does not, within its deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cluster import health
from stack.redis import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def test_live_reads_nothing(anonymous_api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def touched(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("liveness must not reach the broker or Redis")

    monkeypatch.setattr(health, "open_broker", touched)
    monkeypatch.setattr(health, "layer_host_client", touched)
    with CaptureQueriesContext(connection) as queries:
        answer = anonymous_api.get("/api/health/live/")

    assert (answer.status_code, answer.json()) == (200, {"status": "alive"})
    assert len(queries) == 0


def test_ready_when_database_channel_layer_and_broker_answer(anonymous_api: APIClient) -> None:
    answer = anonymous_api.get("/api/health/ready/")

    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"status": "ready", "database": "ok", "channel_layer": "ok",
                             "broker": "ok", "failing": []}  # fmt: skip


def closed_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize("part", ["broker", "channel_layer"])
def test_not_ready_names_the_part_that_does_not_answer(
    anonymous_api: APIClient, settings: Any, part: str
) -> None:
    if part == "broker":
        settings.CELERY_BROKER_URL = closed_redis()
    else:
        settings.CHANNEL_LAYERS = {"default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": closed_redis()}]},
        }}  # fmt: skip
    started = time.monotonic()
    answer = anonymous_api.get("/api/health/ready/")
    took = time.monotonic() - started

    assert answer.status_code == 503
    body = answer.json()
    assert (body["status"], body["failing"]) == ("not ready", [part])
    assert body[part].startswith("error")
    assert took < 10  # bounded by the checks' deadline (1.5 s) on an idle machine


def test_a_hung_part_makes_ready_fail_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "check_broker", lambda timeout: time.sleep(5))

    report = health.readiness_report()

    assert report["broker"] == "error: no answer in time"
    assert report["failing"] == ["broker"]


def test_probes_are_in_the_openapi_schema(anonymous_api: APIClient) -> None:
    schema = anonymous_api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/health/live/" in schema["paths"]
    ready = schema["paths"]["/api/health/ready/"]["get"]
    assert {"200", "503"} <= set(ready["responses"])
    assert ready.get("security") in (None, [], [{}])
