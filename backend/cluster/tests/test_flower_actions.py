"""Who may see and act on the cluster, the admin actions through a fake Flower, and their
audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from cluster.models import AuditRecord
from cluster.tests.conftest import StartFlower
from cluster.tests.fake_cluster import WORKER, closed_port_url, healthy
from task_manager.tests.factories import DEMO_TASK
from testing.fake_flower import Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_fallback")]


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
    flower: StartFlower, staff_api: APIClient, staff_user: User
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


def test_a_refused_action_is_a_409_and_audited_as_failed(
    flower: StartFlower, staff_api: APIClient
) -> None:
    reason = f"Failed to autoscale '{WORKER}' worker: Autoscale not enabled"
    flower({f"/flower/api/worker/pool/autoscale/{WORKER}": Reply(403, reason)})

    response = staff_api.post(
        f"/api/tasks/workers/{WORKER}/autoscale/", {"min": 1, "max": 4}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == reason
    record = AuditRecord.objects.get()
    assert (record.ok, record.error, record.params) == (False, reason, {"min": 1, "max": 4})


def test_an_unknown_worker_is_inspected_once_then_reported(
    flower: StartFlower, staff_api: APIClient
) -> None:
    server = flower({}, default=Reply(404, "Unknown worker 'w9@host'"))

    response = staff_api.post("/api/tasks/workers/w9@host/shutdown/", {}, format="json")

    assert response.status_code == 404
    assert [(seen.method, seen.path, seen.query) for seen in server.seen] == [
        ("POST", "/flower/api/worker/shutdown/w9@host", ""),
        ("GET", "/flower/api/workers", "refresh=1&workername=w9%40host"),
        ("POST", "/flower/api/worker/shutdown/w9@host", ""),
    ]
    assert AuditRecord.objects.get().ok is False


def test_an_action_with_flower_down_is_a_503_and_audited(
    settings: Any, staff_api: APIClient
) -> None:
    settings.FLOWER_URL = closed_port_url()

    response = staff_api.post(
        f"/api/tasks/workers/{WORKER}/add-consumer/", {"queue": "extra"}, format="json"
    )

    assert response.status_code == 503
    record = AuditRecord.objects.get()
    assert record.ok is False
    assert record.error.startswith("Flower is unavailable")


def test_a_task_limit_without_a_worker_goes_to_every_online_worker(
    flower: StartFlower, staff_api: APIClient
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


def test_a_time_limit_for_one_worker(flower: StartFlower, staff_api: APIClient) -> None:
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
    flower: StartFlower, staff_api: APIClient, api: APIClient
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


def test_the_audit_is_read_only_in_django_admin(flower: StartFlower, staff_api: APIClient) -> None:
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
