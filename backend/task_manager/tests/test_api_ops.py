"""GET /api/tasks/failures/ (grouped by cause) and GET /api/tasks/metrics/ (over time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from task_manager import failures, metrics, rollups
from task_manager.models import ExecutionStatus as S
from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def failed(user: User | None, error: str, *, name: str = "deploy.deploy_vm", ago: float = 60):
    finished_at = datetime.now(tz=UTC) - timedelta(seconds=ago)
    started_at = finished_at - timedelta(seconds=5)
    return make_execution(
        user=user, status=S.FAILURE, name=name, error=error, started_at=started_at,
        finished_at=finished_at,
    )  # fmt: skip


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            "ValueError: VM 'web-12' not found after 30 s",
            ("ValueError", "VM '…' not found after <n> s"),
        ),
        (
            "requests.exceptions.ConnectTimeout: host 10.0.0.7 port 443",
            ("requests.exceptions.ConnectTimeout", "host <n>.<n> port <n>"),
        ),
        ('KeyError: "id 3f2a9c1e-1b2c-4d5e-8f90-aabbccddeeff"', ("KeyError", '"…"')),
        ("Worker lost: the task's worker stopped", ("", "Worker lost: the task's worker stopped")),
        ("RuntimeError: job deadbeefcafe1234 failed", ("RuntimeError", "job <id> failed")),
    ],
)
def test_errors_are_split_and_normalized(error: str, expected: tuple[str, str]) -> None:
    exception, message = failures.split_error(error)
    assert (exception, failures.normalize_message(message)) == expected


def test_failures_are_grouped_by_task_exception_and_normalized_message(
    staff_api: APIClient, user: User, other_user: User
) -> None:
    failed(user, "ValueError: VM 'web-12' not found after 30 s", ago=300)
    newest = failed(other_user, "ValueError: VM 'db-3' not found after 45 s", ago=10)
    failed(user, "TimeoutError: vCenter did not answer", ago=20)
    failed(user, "ValueError: VM 'x' not found after 1 s", name="edi.import_file")
    failed(user, "ValueError: old one", ago=3 * 86400)  # out of the 24 h range
    make_execution(user=user, status=S.SUCCESS)

    response = staff_api.get("/api/tasks/failures/?range=24h")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    top = body["groups"][0]
    assert (top["name"], top["exception"], top["count"]) == ("deploy.deploy_vm", "ValueError", 2)
    assert top["message"] == "VM '…' not found after <n> s"
    assert top["sample_execution_id"] == newest.pk
    assert {u["username"] for u in top["users"]} == {"ana", "bob"}
    assert top["first_seen"] < top["last_seen"]
    assert top["list_filter"] == {"status": "FAILURE", "name": "deploy.deploy_vm"}
    assert "execution_ids" not in top
    assert sorted(g["count"] for g in body["groups"]) == [1, 1, 2]

    one = staff_api.get(f"/api/tasks/failures/?range=24h&group={top['key']}").json()
    assert len(one["groups"]) == 1
    assert len(one["groups"][0]["execution_ids"]) == 2
    assert one["groups"][0]["execution_ids_truncated"] is False
    assert staff_api.get("/api/tasks/failures/?range=7d").json()["total"] == 5


def test_a_user_sees_only_their_own_failures_and_no_users(
    api: APIClient, user: User, other_user: User
) -> None:
    failed(user, "ValueError: VM 'web-12' not found after 30 s")
    hidden = failed(other_user, "ValueError: VM 'db-3' not found after 45 s")
    body = api.get("/api/tasks/failures/").json()
    assert body["total"] == 1
    assert "users" not in body["groups"][0]
    assert body["groups"][0]["sample_execution_id"] != hidden.pk


def test_failures_reject_bad_input(api: APIClient, anonymous_api: APIClient) -> None:
    response = api.get("/api/tasks/failures/?range=2w&group=nothex")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"range", "group"}
    assert api.get("/api/tasks/failures/?group=0123456789abcdef").status_code == 404
    assert anonymous_api.get("/api/tasks/failures/").status_code in (401, 403)


# --- metrics -------------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 10, 30, 20, tzinfo=UTC)


def ended(status: str, *, at: datetime, runtime: float, wait: float, name: str = "demo.add",
          queue: str = "celery", attempt: int = 1) -> None:  # fmt: skip
    execution = make_execution(
        status=status, name=name, queue=queue, attempt=attempt, module="demo",
        queued_at=at - timedelta(seconds=runtime + wait),
        started_at=at - timedelta(seconds=runtime), finished_at=at,
    )  # fmt: skip
    rollups.rollup_add(execution)


@pytest.fixture
def known_set() -> None:
    """Ends at 10:29 (3), at 10:05 (1), at 09:20 (2, out of the last hour), another task."""
    ended(S.SUCCESS, at=NOW - timedelta(minutes=1), runtime=0.3, wait=0.02)
    ended(S.SUCCESS, at=NOW - timedelta(minutes=1), runtime=0.6, wait=0.2, attempt=3)
    ended(S.FAILURE, at=NOW - timedelta(minutes=1), runtime=8.0, wait=0.02)
    ended(S.REVOKED, at=NOW - timedelta(minutes=25), runtime=1.0, wait=0.0)
    ended(S.SUCCESS, at=NOW - timedelta(minutes=70), runtime=0.3, wait=0.02)
    ended(S.SUCCESS, at=NOW - timedelta(minutes=70), runtime=0.3, wait=0.02)
    ended(
        S.SUCCESS, at=NOW - timedelta(minutes=2), runtime=0.3, wait=0.02, name="edi.x", queue="edi"
    )


def test_one_hour_has_a_bucket_a_minute_with_exact_counts(known_set: None) -> None:
    answer = metrics.execution_metrics(range_name="1h", now=NOW)
    assert answer["bucket_seconds"] == 60
    assert len(answer["buckets"]) == 60
    assert answer["buckets"][-1]["start"] == "2026-12-01T10:30:00+00:00"
    by_start = {bucket["start"]: bucket for bucket in answer["buckets"]}
    minute = by_start["2026-12-01T10:29:00+00:00"]
    assert (minute["succeeded"], minute["failed"], minute["retried"], minute["cancelled"]) == (
        2,
        1,
        2,
        0,
    )
    assert 0.25 <= minute["runtime_p50"] <= 0.75  # the 0.6 s run, within its bucket
    assert 7.5 <= minute["runtime_p99"] <= 10.0
    assert by_start["2026-12-01T10:05:00+00:00"]["cancelled"] == 1
    assert sum(b["succeeded"] for b in answer["buckets"]) == 3  # 09:20 is out of range
    empty = by_start["2026-12-01T10:10:00+00:00"]
    assert (empty["succeeded"], empty["runtime_p50"]) == (0, None)
    table = {row["name"]: row for row in answer["tasks"]}
    assert table["demo.add"]["failure_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert table["edi.x"]["succeeded"] == 1


def test_filters_and_coarser_ranges(known_set: None) -> None:
    day = metrics.execution_metrics(range_name="24h", now=NOW)
    assert (day["bucket_seconds"], len(day["buckets"])) == (3600, 24)
    assert day["buckets"][-1]["succeeded"] == 3
    assert day["buckets"][-2]["succeeded"] == 2
    edi = metrics.execution_metrics(range_name="30d", queue="edi", now=NOW)
    assert (edi["bucket_seconds"], len(edi["buckets"])) == (86400, 30)
    assert [row["name"] for row in edi["tasks"]] == ["edi.x"]
    assert metrics.execution_metrics(range_name="7d", name="nope", now=NOW)["tasks"] == []


def test_metrics_endpoint_is_staff_only_and_validates(
    api: APIClient, staff_api: APIClient, known_set: None
) -> None:
    assert api.get("/api/tasks/metrics/").status_code == 403
    response = staff_api.get("/api/tasks/metrics/?range=1y&module=" + "m" * 65)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"range", "module"}
    ok: Any = staff_api.get("/api/tasks/metrics/?range=7d&module=demo")
    assert ok.status_code == 200
    assert ok.json()["range"] == "7d"
