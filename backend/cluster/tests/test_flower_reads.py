"""FlowerService and the staff reads of the cluster against a tiny local HTTP server that
plays Flower: well, with garbage, slowly, or not at all; health and the execution detail too."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from cluster import selectors
from cluster.cache import cache_delete
from cluster.flower.service import FlowerService
from cluster.tests.conftest import StartFlower
from cluster.tests.fake_cluster import (
    EXPECTED_ROW,
    INSPECTED,
    QUEUES,
    WORKER,
    closed_port_url,
    healthy,
)
from task_manager.tests.factories import make_execution
from testing.fake_flower import Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_fallback")]


# --- reads ---------------------------------------------------------------------------------------


def test_workers_come_from_flower_with_every_field(
    flower: StartFlower, staff_api: APIClient
) -> None:
    flower()

    body = staff_api.get("/api/tasks/workers/").json()

    assert body["flower"] == "ok"
    assert body["source"] == "flower"
    assert body["refreshed"] is False
    assert body["workers"] == [EXPECTED_ROW]


def test_flower_info_has_reachability_version_dashboard_and_totals(
    flower: StartFlower, staff_api: APIClient
) -> None:
    flower()

    body = staff_api.get("/api/tasks/flower-info/").json()

    assert body["flower"] == "ok"
    assert body["reachable"] is True
    assert body["version"] == "2.2.0"
    assert body["dashboard_url"] == "/flower/"
    assert body["totals"] == {
        "workers": 1, "online": 1, "active": 1, "processed": 7, "failed": 2, "queued": 3
    }  # fmt: skip
    assert body["queues"] == QUEUES["active_queues"]
    assert body["task_counts"] == {
        "RECEIVED": 7, "STARTED": 7, "SUCCESS": 5, "FAILURE": 2, "RETRY": 0, "REJECTED": 0,
        "REVOKED": 0,
    }  # fmt: skip


def test_any_number_of_polls_make_one_flower_call(
    flower: StartFlower, staff_api: APIClient
) -> None:
    server = flower()

    for _ in range(10):
        staff_api.get("/api/tasks/workers/")
        staff_api.get("/api/tasks/flower-info/")

    assert server.calls("/flower/api/workers") == 1
    assert server.calls("/flower/workers") == 1
    assert server.calls("/flower/api/queues/length") == 1


def test_concurrent_misses_do_not_stampede(flower: StartFlower) -> None:
    routes = healthy()
    routes["/flower/api/workers"] = Reply(body=INSPECTED, delay=0.3)
    server = flower(routes)
    results: list[Any] = []

    def poll() -> None:
        results.append(FlowerService.from_settings().snapshot())

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert server.calls("/flower/api/workers") == 1
    assert len(results) == 8
    assert all(result is not None and result["workers"] == [EXPECTED_ROW] for result in results)


def test_refresh_is_explicit_and_bypasses_the_cache(
    flower: StartFlower, staff_api: APIClient
) -> None:
    server = flower()

    staff_api.get("/api/tasks/workers/")
    refreshed = staff_api.get("/api/tasks/workers/", {"refresh": "true"}).json()

    queries = [seen.query for seen in server.seen if seen.path == "/flower/api/workers"]
    assert queries == ["", "refresh=1"]
    assert refreshed["refreshed"] is True


def test_flower_gets_basic_auth_and_the_url_prefix(
    flower: StartFlower, staff_api: APIClient
) -> None:
    server = flower()

    staff_api.get("/api/tasks/workers/")

    expected = "Basic " + base64.b64encode(b"flower:flower-password").decode()
    assert {seen.headers.get("Authorization") for seen in server.seen} == {expected}
    assert all(seen.path.startswith("/flower/") for seen in server.seen)


BAD_ANSWERS = {
    "html": Reply(200, "<!doctype html><title>Flower</title>"),
    "bad-json": Reply(200, b'{"w1@host": {', {"Content-Type": "application/json"}),
    "json-array": Reply(200, ["not", "an", "object"]),
    "error-500": Reply(500, "Internal Server Error"),
    "unauthorized": Reply(401, "Access denied"),
    "slow": Reply(200, INSPECTED, delay=3.0),
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_bad_or_slow_flower_gives_the_degraded_answer(
    flower: StartFlower, staff_api: APIClient, settings: Any, answer: Reply
) -> None:
    routes = healthy()
    routes["/flower/api/workers"] = answer
    flower(routes)

    started = time.monotonic()
    workers = staff_api.get("/api/tasks/workers/")
    info = staff_api.get("/api/tasks/flower-info/")
    elapsed = time.monotonic() - started

    assert workers.status_code == info.status_code == 200
    assert workers.json()["flower"] == "unavailable"
    assert workers.json()["source"] == "celery"
    assert isinstance(workers.json()["workers"], list)
    assert info.json()["reachable"] is False
    assert info.json()["version"] is None
    assert set(info.json()["totals"]) == {
        "workers", "online", "active", "processed", "failed", "queued"
    }  # fmt: skip
    assert "celery" in {queue["name"] for queue in info.json()["queues"]}  # from the broker
    # The first answer pays Flower's budget and Celery's inspect; the second is cached.
    assert elapsed < settings.FLOWER_TIMEOUT + settings.TASKPULSE_INSPECT_TIMEOUT + 1.0


def test_odd_but_valid_json_does_not_break_the_rows(
    flower: StartFlower, staff_api: APIClient
) -> None:
    routes = healthy()
    routes["/flower/api/workers"] = Reply(body={WORKER: "?", "w2@host": {"stats": {"pool": 3}}})
    routes["/flower/workers"] = Reply(
        body={"data": [{"hostname": WORKER, "status": "yes", "heartbeats": 5, "loadavg": 1}, 7]}
    )
    routes["/flower/api/queues/length"] = Reply(body={"active_queues": "none"})
    flower(routes)

    body = staff_api.get("/api/tasks/flower-info/").json()
    workers = staff_api.get("/api/tasks/workers/").json()["workers"]

    assert body["flower"] == "ok"
    assert body["queues"] is None
    assert [row["name"] for row in workers] == [WORKER, "w2@host"]
    assert workers[0]["status"] == "offline"
    assert workers[1]["pool_size"] is None


def test_unreachable_flower_is_remembered_as_down(settings: Any, staff_api: APIClient) -> None:
    settings.FLOWER_URL = closed_port_url()
    service = FlowerService.from_settings()

    body = staff_api.get("/api/tasks/workers/").json()

    assert body["flower"] == "unavailable"
    assert service.is_down()
    assert service.task_info("any-task-id") is None


# --- health --------------------------------------------------------------------------------------


def test_health_reports_flower_through_the_service(
    flower: StartFlower, anonymous_api: APIClient
) -> None:
    server = flower()

    bodies = [anonymous_api.get("/api/health/").json() for _ in range(3)]

    assert [body["flower"] for body in bodies] == ["ok"] * 3
    assert server.calls("/flower/healthcheck") == 1  # cached like every Flower read


def test_health_calls_a_garbage_healthcheck_unavailable(
    flower: StartFlower, anonymous_api: APIClient
) -> None:
    flower({"/flower/healthcheck": Reply(500, "boom")})

    assert anonymous_api.get("/api/health/").json()["flower"] == "unavailable"


# --- enrichment of the execution detail ----------------------------------------------------------

TASK_INFO = {
    "state": "SUCCESS", "received": 1700000000.5, "started": 1700000001.0, "runtime": 2.25,
    "worker": WORKER, "routing_key": "celery", "args": "[]", "result": "'ok'",
}  # fmt: skip


def test_execution_detail_adds_what_flower_knows(
    flower: StartFlower, api: APIClient, user: User
) -> None:
    execution = make_execution(user=user)
    server = flower({f"/flower/api/task/info/{execution.task_id}": Reply(body=TASK_INFO)})

    plain = api.get(f"/api/tasks/executions/{execution.pk}/").json()
    body = api.get(f"/api/tasks/executions/{execution.pk}/", {"include": "flower"}).json()

    assert "flower" not in plain  # a poll never waits on Flower: it asks only on demand
    assert body["flower"] == {
        "state": "SUCCESS",
        "received": "2023-11-14T22:13:20.500000+00:00",
        "started": "2023-11-14T22:13:21+00:00",
        "runtime": 2.25,
        "worker": WORKER,
        "routing_key": "celery",
    }
    assert server.calls(f"/flower/api/task/info/{execution.task_id}") == 1


def test_a_304_never_asks_flower(flower: StartFlower, api: APIClient, user: User) -> None:
    execution = make_execution(user=user, seq=2)
    path = f"/flower/api/task/info/{execution.task_id}"
    server = flower({path: Reply(body=TASK_INFO)})
    url = f"/api/tasks/executions/{execution.pk}/"

    etag = api.get(url, {"include": "flower"})["ETag"]
    FlowerService.from_settings().forget()
    cache_delete(FlowerService.from_settings().key(f"task:{execution.task_id}"))
    not_modified = api.get(url, headers={"If-None-Match": etag})

    assert not_modified.status_code == 304
    assert server.calls(path) == 1


@pytest.mark.parametrize(
    "answer",
    [Reply(404, "Unknown task"), Reply(200, "<html>"), Reply(200, TASK_INFO, delay=3.0)],
    ids=["unknown", "html", "slow"],
)
def test_detail_without_flower_has_no_flower_key(
    flower: StartFlower, api: APIClient, user: User, settings: Any, answer: Reply
) -> None:
    execution = make_execution(user=user)
    flower({f"/flower/api/task/info/{execution.task_id}": answer})

    started = time.monotonic()
    response = api.get(f"/api/tasks/executions/{execution.pk}/", {"include": "flower"})

    assert response.status_code == 200
    assert "flower" not in response.json()
    assert time.monotonic() - started < settings.FLOWER_TIMEOUT + 0.5


def test_detail_include_other_than_flower_is_a_400(api: APIClient, user: User) -> None:
    execution = make_execution(user=user)

    response = api.get(f"/api/tasks/executions/{execution.pk}/", {"include": "everything"})

    assert response.status_code == 400
    assert "include" in response.json()["errors"]


def test_a_worker_flower_never_inspected_gets_its_pool_and_queues_on_the_first_read(
    flower: StartFlower, staff_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flower learned of it from its events only: pool and queues come from Celery's inspect
    at once, not after someone presses Refresh."""
    routes = healthy()
    routes["/flower/api/workers"] = Reply(body={})  # Flower has not inspected it
    flower(routes)
    inspected = {**EXPECTED_ROW, "status": "online", "active": None}
    monkeypatch.setattr(selectors, "fallback_workers", lambda: [inspected])
    row = staff_api.get("/api/tasks/workers/").json()["workers"][0]
    assert (row["pool_size"], row["concurrency"], row["queues"]) == (3, 2, ["celery", "deploy"])
    assert row["active"] == 1  # the events' live figures are kept
