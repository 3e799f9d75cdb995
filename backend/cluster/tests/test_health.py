import time
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from cluster import health
from cluster.tests.conftest import StartFlower
from cluster.tests.fake_cluster import EVENTS, closed_port_url, healthy
from testing.fake_flower import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_health_needs_no_auth_and_names_what_is_down(
    anonymous_api: APIClient, settings: Any
) -> None:
    settings.FLOWER_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    body = anonymous_api.get("/api/health/").json()

    assert body["database"] == "ok"
    assert body["redis"] == "ok"  # make test provides a real Redis
    assert body["flower"] == "unavailable"
    assert body["status"] == "degraded"
    assert "flower" in body["failing"]
    assert isinstance(body["workers"], int)


def test_health_with_redis_down_is_degraded(anonymous_api: APIClient, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"

    body = anonymous_api.get("/api/health/").json()

    assert body["status"] == "degraded"
    assert body["redis"].startswith("error")
    assert body["workers"] == 0
    assert {"redis", "workers"} <= set(body["failing"])


def test_a_hanging_check_is_cut_at_the_deadline() -> None:
    def slow() -> str:
        time.sleep(1)
        return "ok"

    results = health.run_checks({"slow": slow, "fast": lambda: "ok"}, 0.1)

    assert results == {"slow": "error: no answer in time", "fast": "ok"}


def test_a_raising_check_is_reported_by_exception_name() -> None:
    def broken() -> str:
        raise ConnectionError("refused")

    assert health.run_checks({"x": broken}, 1.0) == {"x": "error: ConnectionError"}


# --- counting the workers ----------------------------------------------------------------------


def flower_with_beats(flower: StartFlower, beats: dict[str, list[float]]) -> None:
    """A fake Flower whose event state has these workers, with these heartbeats."""
    event = EVENTS["data"][0]
    rows = [{**event, "hostname": name, "heartbeats": times} for name, times in beats.items()]
    flower({**healthy(), "/flower/workers": Reply(body={"data": rows})})


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The timeouts of the ping broadcasts health makes; each finds 3 workers."""
    asked: list[float] = []

    def ping(timeout: float, seen: set[str] | None = None) -> int:
        asked.append(timeout)
        return 3

    monkeypatch.setattr(health, "ping_workers", ping)
    return asked


def test_workers_with_a_recent_heartbeat_count_without_a_ping(
    flower: StartFlower, anonymous_api: APIClient, pings: list[float]
) -> None:
    now = time.time()
    flower_with_beats(
        flower, {"a@h": [now - 30, now - 2], "b@h": [now - 9], "stale@h": [now - 60], "gone@h": []}
    )

    body = anonymous_api.get("/api/health/").json()

    assert (body["status"], body["workers"], body["failing"]) == ("ok", 2, [])
    assert pings == []


def test_without_a_recent_heartbeat_the_workers_answering_a_longer_ping_count(
    flower: StartFlower, anonymous_api: APIClient, pings: list[float]
) -> None:
    flower_with_beats(flower, {"a@h": [time.time() - 60]})

    body = anonymous_api.get("/api/health/").json()

    assert (body["status"], body["workers"]) == ("ok", 3)
    assert len(pings) == 1
    assert 0.6 < pings[0] <= health.WORKER_PING_TIMEOUT


def test_with_flower_down_the_ping_counts_the_workers(
    settings: Any, anonymous_api: APIClient, pings: list[float]
) -> None:
    settings.FLOWER_URL = closed_port_url()

    started = time.monotonic()
    body = anonymous_api.get("/api/health/").json()

    assert time.monotonic() - started < health.HEALTH_DEADLINE
    assert (body["flower"], body["workers"], body["failing"]) == ("unavailable", 3, ["flower"])
    assert len(pings) == 1


def test_a_heartbeat_counts_for_heartbeat_seconds_before_the_snapshot() -> None:
    at = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {"last_heartbeat": "2026-12-01T11:59:50+00:00"},  # exactly HEARTBEAT_SECONDS
        {"last_heartbeat": "2026-12-01T11:59:49.900000+00:00"},
        {"last_heartbeat": None},
    ]

    assert health.HEARTBEAT_SECONDS == 10
    assert health.beating(rows, at=at) == 1


def test_replies_that_came_in_time_count_while_the_broadcast_overruns(
    settings: Any, anonymous_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kombu waits the whole timeout again after each message it collects: the ping's
    call may end well after the deadline, though the worker answered at once."""
    settings.FLOWER_URL = closed_port_url()

    def overrunning_ping(*, timeout: float, callback: Any) -> list[dict[str, Any]]:
        callback({"w1@host": {"ok": "pong"}})
        time.sleep(timeout + 1.0)
        return [{"w1@host": {"ok": "pong"}}]

    monkeypatch.setattr(health.celery_app.control, "ping", overrunning_ping)

    body = anonymous_api.get("/api/health/").json()

    assert (body["workers"], body["failing"]) == (1, ["flower"])
