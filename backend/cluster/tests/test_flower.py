"""FlowerService, the staff cluster endpoints, admin actions and the /flower/ proxy against a
tiny local HTTP server that plays Flower: well, with garbage, slowly, or not at all."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from cluster import selectors
from cluster.cache import cache_delete
from cluster.flower.service import FlowerService
from cluster.models import AuditRecord
from stack.redis import free_port
from task_manager.tests.factories import DEMO_TASK, make_execution
from testing.fake_flower import Reply, fake_flower

pytestmark = pytest.mark.django_db

WORKER = "w1@host"
INSPECTED = {
    WORKER: {
        "stats": {
            "pid": 10,
            "pool": {
                "implementation": "celery.concurrency.prefork:TaskPool",
                "max-concurrency": 2,
                "processes": [11, 12, 13],
            },
            "total": {DEMO_TASK: 7},
        },
        "active_queues": [{"name": "celery"}, {"name": "deploy"}],
        "timestamp": 1700000000.0,
    }
}
EVENTS = {
    "data": [
        {
            "hostname": WORKER, "status": True, "active": 1, "processed": 7,
            "loadavg": [0.5, 0.25, 0.125], "heartbeats": [1700000001.0, 1700000002.0],
            "task-received": 7, "task-started": 7, "task-succeeded": 5, "task-failed": 2,
            "sw_ver": "5.7.0", "pid": 10,
        }
    ]
}  # fmt: skip
QUEUES = {"active_queues": [{"name": "celery", "messages": 3}, {"name": "deploy", "messages": 0}]}
EXPECTED_ROW = {
    "name": WORKER,
    "status": "online",
    "active": 1,
    "processed": 7,
    "failed": 2,
    "loadavg": [0.5, 0.25, 0.125],
    "pool": "celery.concurrency.prefork:TaskPool",
    "pool_size": 3,
    "concurrency": 2,
    "queues": ["celery", "deploy"],
    "last_heartbeat": "2023-11-14T22:13:22+00:00",
    "inspected_at": "2023-11-14T22:13:20+00:00",
    "pid": 10,
    "celery_version": "5.7.0",
}
STAFF_GETS = ["/api/tasks/workers/", "/api/tasks/flower-info/", "/api/tasks/audit/"]
STAFF_POSTS = [
    (f"/api/tasks/workers/{WORKER}/pool-grow/", {"n": 1}),
    (f"/api/tasks/workers/{WORKER}/pool-shrink/", {"n": 1}),
    (f"/api/tasks/workers/{WORKER}/autoscale/", {"min": 1, "max": 3}),
    (f"/api/tasks/workers/{WORKER}/shutdown/", {}),
    (f"/api/tasks/workers/{WORKER}/add-consumer/", {"queue": "extra"}),
    (f"/api/tasks/workers/{WORKER}/cancel-consumer/", {"queue": "extra"}),
    (f"/api/tasks/task-types/{DEMO_TASK}/rate-limit/", {"rate_limit": "10/m"}),
    (f"/api/tasks/task-types/{DEMO_TASK}/time-limit/", {"soft": 5, "hard": 10}),
]


def healthy() -> dict[str, Reply]:
    return {
        "/flower/api/workers": Reply(body=INSPECTED),
        "/flower/workers": Reply(body=EVENTS),
        "/flower/api/queues/length": Reply(body=QUEUES),
        "/flower/healthcheck": Reply(body="OK"),
    }


@pytest.fixture(autouse=True)
def quick_fallback(settings) -> Iterator[None]:
    """Celery's inspect answers fast here (no worker needs to reply) and starts uncached."""
    settings.TASKPULSE_INSPECT_TIMEOUT = 0.3
    cache_delete(selectors.FALLBACK_CACHE_KEY)
    yield
    cache_delete(selectors.FALLBACK_CACHE_KEY)


@pytest.fixture
def flower(settings) -> Iterator[Callable[..., Any]]:
    """Start a FakeFlower and point the settings at it: `with flower(routes) as server:`."""

    def start(routes: dict[str, Reply] | None = None, **kwargs: Any) -> Any:
        context = fake_flower(healthy() if routes is None else routes, **kwargs)
        server = context.__enter__()
        settings.FLOWER_URL = server.url
        settings.FLOWER_USER = "flower"
        settings.FLOWER_PASSWORD = "flower-password"
        started.append(context)
        return server

    started: list[Any] = []
    yield start
    for context in started:
        context.__exit__(None, None, None)


@pytest.fixture
def staff_api(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


# --- reads ---------------------------------------------------------------------------------------


def test_workers_come_from_flower_with_every_field(flower, staff_api: APIClient) -> None:
    flower()

    body = staff_api.get("/api/tasks/workers/").json()

    assert body["flower"] == "ok"
    assert body["source"] == "flower"
    assert body["refreshed"] is False
    assert body["workers"] == [EXPECTED_ROW]


def test_flower_info_has_reachability_version_dashboard_and_totals(
    flower, staff_api: APIClient
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


def test_any_number_of_polls_make_one_flower_call(flower, staff_api: APIClient) -> None:
    server = flower()

    for _ in range(10):
        staff_api.get("/api/tasks/workers/")
        staff_api.get("/api/tasks/flower-info/")

    assert server.calls("/flower/api/workers") == 1
    assert server.calls("/flower/workers") == 1
    assert server.calls("/flower/api/queues/length") == 1


def test_concurrent_misses_do_not_stampede(flower) -> None:
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


def test_refresh_is_explicit_and_bypasses_the_cache(flower, staff_api: APIClient) -> None:
    server = flower()

    staff_api.get("/api/tasks/workers/")
    refreshed = staff_api.get("/api/tasks/workers/", {"refresh": "true"}).json()

    queries = [seen.query for seen in server.seen if seen.path == "/flower/api/workers"]
    assert queries == ["", "refresh=1"]
    assert refreshed["refreshed"] is True


def test_flower_gets_basic_auth_and_the_url_prefix(flower, staff_api: APIClient) -> None:
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
    flower, staff_api: APIClient, settings, answer: Reply
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


def test_odd_but_valid_json_does_not_break_the_rows(flower, staff_api: APIClient) -> None:
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


def test_unreachable_flower_is_remembered_as_down(settings, staff_api: APIClient) -> None:
    settings.FLOWER_URL = closed_port_url()
    service = FlowerService.from_settings()

    body = staff_api.get("/api/tasks/workers/").json()

    assert body["flower"] == "unavailable"
    assert service.is_down()
    assert service.task_info("any-task-id") is None


# --- health --------------------------------------------------------------------------------------


def test_health_reports_flower_through_the_service(flower, anonymous_api: APIClient) -> None:
    server = flower()

    bodies = [anonymous_api.get("/api/health/").json() for _ in range(3)]

    assert [body["flower"] for body in bodies] == ["ok"] * 3
    assert server.calls("/flower/healthcheck") == 1  # cached like every Flower read


def test_health_calls_a_garbage_healthcheck_unavailable(flower, anonymous_api: APIClient) -> None:
    flower({"/flower/healthcheck": Reply(500, "boom")})

    assert anonymous_api.get("/api/health/").json()["flower"] == "unavailable"


# --- enrichment of the execution detail ----------------------------------------------------------

TASK_INFO = {
    "state": "SUCCESS", "received": 1700000000.5, "started": 1700000001.0, "runtime": 2.25,
    "worker": WORKER, "routing_key": "celery", "args": "[]", "result": "'ok'",
}  # fmt: skip


def test_execution_detail_adds_what_flower_knows(flower, api: APIClient, user: User) -> None:
    execution = make_execution(user=user)
    server = flower({f"/flower/api/task/info/{execution.task_id}": Reply(body=TASK_INFO)})

    body = api.get(f"/api/tasks/executions/{execution.pk}/").json()

    assert body["flower"] == {
        "state": "SUCCESS",
        "received": "2023-11-14T22:13:20.500000+00:00",
        "started": "2023-11-14T22:13:21+00:00",
        "runtime": 2.25,
        "worker": WORKER,
        "routing_key": "celery",
    }
    assert server.calls(f"/flower/api/task/info/{execution.task_id}") == 1


def test_a_304_never_asks_flower(flower, api: APIClient, user: User) -> None:
    execution = make_execution(user=user, seq=2)
    path = f"/flower/api/task/info/{execution.task_id}"
    server = flower({path: Reply(body=TASK_INFO)})
    url = f"/api/tasks/executions/{execution.pk}/"

    etag = api.get(url)["ETag"]
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
    flower, api: APIClient, user: User, settings, answer: Reply
) -> None:
    execution = make_execution(user=user)
    flower({f"/flower/api/task/info/{execution.task_id}": answer})

    started = time.monotonic()
    response = api.get(f"/api/tasks/executions/{execution.pk}/")

    assert response.status_code == 200
    assert "flower" not in response.json()
    assert time.monotonic() - started < settings.FLOWER_TIMEOUT + 0.5


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", STAFF_GETS)
def test_non_staff_get_403_on_every_staff_read(api: APIClient, url: str) -> None:
    assert api.get(url).status_code == 403


@pytest.mark.parametrize(("url", "body"), STAFF_POSTS)
def test_non_staff_get_403_on_every_action(api: APIClient, url: str, body: dict) -> None:
    assert api.post(url, body, format="json").status_code == 403
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize("url", [*STAFF_GETS, *(url for url, _ in STAFF_POSTS)])
def test_anonymous_callers_are_refused(anonymous_api: APIClient, url: str) -> None:
    response = anonymous_api.get(url) if url in STAFF_GETS else anonymous_api.post(url, {})
    assert response.status_code in (401, 403)


def test_the_dashboard_is_403_for_non_staff_and_a_login_redirect_for_anonymous(
    user: User,
) -> None:
    member = Client()
    member.force_login(user)

    assert member.get("/flower/").status_code == 403
    assert member.post("/flower/api/worker/shutdown/w1@host").status_code == 403
    anonymous = Client().get("/flower/tasks?state=FAILURE")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/login?next=/flower/tasks%3Fstate%3DFAILURE"
    assert Client().get("/flower")["Location"] == "/flower/"


# --- actions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (f"/api/tasks/workers/{WORKER}/pool-grow/", {"n": 0}, "n"),
        (f"/api/tasks/workers/{WORKER}/pool-shrink/", {"n": "many"}, "n"),
        (f"/api/tasks/workers/{WORKER}/autoscale/", {"min": 5, "max": 2}, "min"),
        (f"/api/tasks/workers/{WORKER}/autoscale/", {"min": 1}, "max"),
        (f"/api/tasks/workers/{WORKER}/add-consumer/", {"queue": "a b&c"}, "queue"),
        (f"/api/tasks/workers/{WORKER}/cancel-consumer/", {}, "queue"),
        (f"/api/tasks/task-types/{DEMO_TASK}/rate-limit/", {"rate_limit": "fast"}, "rate_limit"),
        (f"/api/tasks/task-types/{DEMO_TASK}/time-limit/", {"soft": 9, "hard": 3}, "soft"),
        (f"/api/tasks/task-types/{DEMO_TASK}/time-limit/", {"hard": -1}, "hard"),
        (f"/api/tasks/workers/{WORKER}/shutdown/", [], "non_field_errors"),
    ],
)
def test_action_bodies_are_validated_per_field(
    staff_api: APIClient, url: str, body: Any, field: str
) -> None:
    response = staff_api.post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not AuditRecord.objects.exists()


def test_unknown_actions_and_tasks_are_404(staff_api: APIClient) -> None:
    assert staff_api.post(f"/api/tasks/workers/{WORKER}/explode/", {}).status_code == 404
    assert staff_api.post("/api/tasks/task-types/no.such.task/rate-limit/", {}).status_code == 404
    assert staff_api.post(f"/api/tasks/task-types/{DEMO_TASK}/explode/", {}).status_code == 404
    malformed = staff_api.post(
        f"/api/tasks/workers/{WORKER}/pool-grow/", "{", content_type="application/json"
    )
    assert malformed.status_code == 400


def test_a_successful_action_is_done_through_flower_and_audited(
    flower, staff_api: APIClient, staff_user: User
) -> None:
    path = f"/flower/api/worker/pool/grow/{WORKER}"
    server = flower({path: Reply(body={"message": f"Growing '{WORKER}' worker's pool by 2"})})

    response = staff_api.post(f"/api/tasks/workers/{WORKER}/pool-grow/", {"n": 2}, format="json")

    assert response.status_code == 200
    assert response.json()["detail"] == f"Growing '{WORKER}' worker's pool by 2"
    [seen] = [seen for seen in server.seen if seen.path == path]
    assert (seen.method, seen.body) == ("POST", b"n=2")
    record = AuditRecord.objects.get()
    assert (record.user, record.username, record.action, record.target) == (
        staff_user, "sam", "pool-grow", WORKER
    )  # fmt: skip
    assert (record.params, record.ok, record.error) == ({"n": 2}, True, "")
    assert response.json()["audit"]["id"] == record.pk


def test_a_refused_action_is_a_409_and_audited_as_failed(flower, staff_api: APIClient) -> None:
    reason = f"Failed to autoscale '{WORKER}' worker: Autoscale not enabled"
    flower({f"/flower/api/worker/pool/autoscale/{WORKER}": Reply(403, reason)})

    response = staff_api.post(
        f"/api/tasks/workers/{WORKER}/autoscale/", {"min": 1, "max": 4}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == reason
    record = AuditRecord.objects.get()
    assert (record.ok, record.error, record.params) == (False, reason, {"min": 1, "max": 4})


def test_an_unknown_worker_is_inspected_once_then_reported(flower, staff_api: APIClient) -> None:
    server = flower({}, default=Reply(404, "Unknown worker 'w9@host'"))

    response = staff_api.post("/api/tasks/workers/w9@host/shutdown/", {}, format="json")

    assert response.status_code == 404
    assert [(seen.method, seen.path, seen.query) for seen in server.seen] == [
        ("POST", "/flower/api/worker/shutdown/w9@host", ""),
        ("GET", "/flower/api/workers", "refresh=1&workername=w9%40host"),
        ("POST", "/flower/api/worker/shutdown/w9@host", ""),
    ]
    assert AuditRecord.objects.get().ok is False


def test_an_action_with_flower_down_is_a_503_and_audited(settings, staff_api: APIClient) -> None:
    settings.FLOWER_URL = closed_port_url()

    response = staff_api.post(
        f"/api/tasks/workers/{WORKER}/add-consumer/", {"queue": "extra"}, format="json"
    )

    assert response.status_code == 503
    record = AuditRecord.objects.get()
    assert record.ok is False
    assert record.error.startswith("Flower is unavailable")


def test_a_task_limit_without_a_worker_goes_to_every_online_worker(
    flower, staff_api: APIClient
) -> None:
    routes = healthy()
    path = f"/flower/api/task/rate-limit/{DEMO_TASK}"
    routes[path] = Reply(body={"message": "new rate limit set successfully"})
    server = flower(routes)

    response = staff_api.post(
        f"/api/tasks/task-types/{DEMO_TASK}/rate-limit/", {"rate_limit": "10/m"}, format="json"
    )

    assert response.status_code == 200
    [seen] = [seen for seen in server.seen if seen.path == path]
    assert seen.body == b"ratelimit=10%2Fm&workername=w1%40host"
    record = AuditRecord.objects.get()
    assert record.params == {"rate_limit": "10/m", "workers": [WORKER]}
    assert record.result == f"{WORKER}: new rate limit set successfully"


def test_a_time_limit_for_one_worker(flower, staff_api: APIClient) -> None:
    path = f"/flower/api/task/timeout/{DEMO_TASK}"
    server = flower({path: Reply(body={"message": "time limits set successfully"})})

    response = staff_api.post(
        f"/api/tasks/task-types/{DEMO_TASK}/time-limit/",
        {"soft": 5, "hard": 10, "worker": WORKER},
        format="json",
    )

    assert response.status_code == 200
    assert server.seen[0].body == b"soft=5.0&hard=10.0&workername=w1%40host"


def test_audit_list_is_staff_only_newest_first_and_paginated(
    flower, staff_api: APIClient, api: APIClient
) -> None:
    flower({}, default=Reply(403, "nope"))
    for n in (1, 2, 3):
        staff_api.post(f"/api/tasks/workers/{WORKER}/pool-grow/", {"n": n}, format="json")

    body = staff_api.get("/api/tasks/audit/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert [row["params"]["n"] for row in body["results"]] == [3, 2]
    assert body["results"][0]["user"] == {"id": body["results"][0]["user"]["id"], "username": "sam"}
    assert body["next"] is not None
    assert staff_api.get("/api/tasks/audit/", {"action": "shutdown"}).json()["count"] == 0
    assert api.get("/api/tasks/audit/").status_code == 403


def test_the_audit_is_read_only_in_django_admin(flower, staff_api: APIClient) -> None:
    flower({}, default=Reply(403, "nope"))
    staff_api.post(f"/api/tasks/workers/{WORKER}/shutdown/", {}, format="json")
    root = User.objects.create_superuser("root", password="root-password-1")
    admin = Client()
    admin.force_login(root)
    record = AuditRecord.objects.get()

    listing = admin.get("/admin/cluster/auditrecord/")
    page = admin.get(f"/admin/cluster/auditrecord/{record.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert b"shutdown" in listing.content
    assert admin.get("/admin/cluster/auditrecord/add/").status_code == 403
    assert admin.post(f"/admin/cluster/auditrecord/{record.pk}/delete/").status_code == 403


# --- the /flower/ dashboard proxy ---------------------------------------------------------------


@pytest.fixture
def staff_browser(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_the_proxy_forwards_to_flower_with_its_credentials_only(
    flower, staff_browser: Client
) -> None:
    page = Reply(
        200, "<html>Flower dashboard</html>",
        {"Set-Cookie": "_xsrf=abc; Path=/", "X-Flower": "yes", "Cache-Control": "no-cache"},
    )  # fmt: skip
    server = flower({"/flower/workers": page})

    response = staff_browser.get(
        "/flower/workers?json=1&x=%2F", headers={"Authorization": "Token secret", "X-Extra": "1"}
    )

    assert response.status_code == 200
    assert body_of(response) == b"<html>Flower dashboard</html>"
    assert response["X-Flower"] == "yes"
    assert "Set-Cookie" not in response
    [seen] = server.seen
    assert (seen.method, seen.path, seen.query) == ("GET", "/flower/workers", "json=1&x=%2F")
    expected = "Basic " + base64.b64encode(b"flower:flower-password").decode()
    assert seen.headers["Authorization"] == expected
    assert "Cookie" not in seen.headers
    assert seen.headers["X-Extra"] == "1"


def test_the_proxy_passes_same_site_posts_and_refuses_cross_site_ones(
    flower, staff_browser: Client
) -> None:
    path = f"/flower/api/worker/pool/grow/{WORKER}"
    server = flower({path: Reply(body={"message": "Growing"})})

    same = staff_browser.post(
        f"{path}?n=1", "a=b", content_type="application/x-www-form-urlencoded",
        headers={"Origin": "http://testserver"},
    )  # fmt: skip
    fetch_meta = staff_browser.post(path, headers={"Sec-Fetch-Site": "same-origin"})
    cross = staff_browser.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    foreign = staff_browser.post(path, headers={"Origin": "https://evil.example"})
    bare = staff_browser.post(path)

    assert same.status_code == fetch_meta.status_code == 200
    assert cross.status_code == foreign.status_code == bare.status_code == 403
    assert [(seen.method, seen.query) for seen in server.seen] == [("POST", "n=1"), ("POST", "")]
    assert server.seen[0].body == b"a=b"
    assert "Origin" not in server.seen[0].headers


def test_the_proxy_answers_502_when_flower_is_down_or_refuses_the_credentials(
    flower, staff_browser: Client, settings
) -> None:
    flower({}, default=Reply(401, "Access denied", {"WWW-Authenticate": 'Basic realm="flower"'}))

    refused = staff_browser.get("/flower/")
    settings.FLOWER_URL = closed_port_url()
    down = staff_browser.get("/flower/")

    assert refused.status_code == down.status_code == 502
    assert "WWW-Authenticate" not in refused
    assert b"credentials" in refused.content
