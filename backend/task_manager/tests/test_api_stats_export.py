import csv
import io
import json
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import AsyncClient
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from task_manager.api.export import EXPORT_COLUMNS, export_row
from task_manager.models import ExecutionStatus
from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db

S = ExecutionStatus
STATS = "/api/tasks/stats/"
EXPORT = "/api/tasks/executions/export/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def read_csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content(response).decode())))


# --- stats ---------------------------------------------------------------------------------


def test_stats_per_module_of_own_executions(api: APIClient, user: User, other_user: User) -> None:
    make_execution(user=user, module="deploy", status=S.SUCCESS)
    make_execution(user=user, module="deploy", status=S.FAILURE)
    make_execution(user=user, module="edi", status=S.PROGRESS)
    make_execution(user=user, module="edi", created_at=timezone.now() - timedelta(days=30))
    make_execution(user=other_user, module="deploy", status=S.SUCCESS)

    body = api.get(STATS, {"days": 7}).json()

    assert body["days"] == 7
    deploy, edi = body["modules"]
    assert (deploy["module"], deploy["total"], deploy["success_rate"]) == ("deploy", 2, 0.5)
    assert deploy["counts"]["SUCCESS"] == deploy["counts"]["FAILURE"] == 1
    assert deploy["avg_duration"] == pytest.approx(10, abs=0.1)
    assert len(deploy["per_day"]) >= 7
    assert (edi["module"], edi["total"], edi["success_rate"]) == ("edi", 1, None)


def test_stats_module_filter_and_staff_see_all(
    api: APIClient, user: User, other_user: User, staff_user: User
) -> None:
    make_execution(user=user, module="deploy", status=S.SUCCESS)
    make_execution(user=other_user, module="deploy", status=S.SUCCESS)
    make_execution(user=user, module="edi")

    own = api.get(STATS, {"module": "deploy"}).json()
    everyone = client_for(staff_user).get(STATS, {"module": "deploy,nothing"}).json()

    assert [(row["module"], row["total"]) for row in own["modules"]] == [("deploy", 1)]
    assert [(row["module"], row["total"]) for row in everyone["modules"]] == [
        ("deploy", 2),
        ("nothing", 0),
    ]
    assert api.get(STATS, {"module": "", "days": ""}).json()["days"] == 7


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "7.5", "9" * 40, "1e2"])
def test_bad_days_are_400(api: APIClient, days: str) -> None:
    response = api.get(STATS, {"days": days})

    assert response.status_code == 400
    assert "days" in response.json()["errors"]


# --- export --------------------------------------------------------------------------------


def test_export_csv_streams_the_filtered_visible_executions(
    api: APIClient, user: User, other_user: User
) -> None:
    finished = make_execution(
        user=user, status=S.FAILURE, title="=cmd|' /C calc'!A0", error="boom",
        processed_items=3, failed_items=1, total_items=4,
    )  # fmt: skip
    make_execution(user=user, status=S.PENDING)
    make_execution(user=other_user, status=S.FAILURE)

    response = api.get(EXPORT, {"format": "csv", "status": "FAILURE"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="executions-')
    rows = read_csv(response)
    assert list(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(finished.pk)
    assert row["task_id"] == finished.task_id
    assert row["user"] == "ana"
    assert row["status"] == "FAILURE"
    assert (row["processed_items"], row["failed_items"], row["total_items"]) == ("3", "1", "4")
    assert row["error"] == "boom"
    assert float(row["duration"]) == pytest.approx(10, abs=0.1)
    assert row["title"] == "'=cmd|' /C calc'!A0"  # quoted: not run as a formula
    assert finished.finished_at is not None
    assert row["finished_at"] == finished.finished_at.isoformat()


def test_export_csv_is_the_default_format(api: APIClient, user: User) -> None:
    make_execution(user=user)

    response = api.get(EXPORT)

    assert response["Content-Type"].startswith("text/csv")
    assert len(read_csv(response)) == 1


def test_export_json(api: APIClient, user: User, staff_user: User) -> None:
    first = make_execution(user=user, status=S.SUCCESS)
    second = make_execution(user=user, status=S.PROGRESS, module="deploy")

    response = api.get(EXPORT, {"format": "json", "ordering": "created_at"})
    everything = client_for(staff_user).get(EXPORT, {"format": "json"})

    assert response["Content-Type"] == "application/json"
    rows = json.loads(content(response))
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    assert rows[0] == json.loads(json.dumps(export_row(first)))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert len(json.loads(content(everything))) == 2


def test_export_of_nothing_is_valid(api: APIClient) -> None:
    assert json.loads(content(api.get(EXPORT, {"format": "json"}))) == []
    assert read_csv(api.get(EXPORT, {"format": "csv"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"status": "nope"}, "status"),
        ({"ordering": "x"}, "ordering"),
    ],
)
def test_bad_export_parameters_are_json_400(api: APIClient, params: dict, field: str) -> None:
    response = api.get(EXPORT, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


def test_export_query_count_does_not_grow_with_rows(
    api: APIClient, user: User, django_assert_num_queries
) -> None:
    for _ in range(30):
        make_execution(user=user)

    with django_assert_num_queries(1):
        assert len(read_csv(api.get(EXPORT))) == 30


@pytest.fixture
def token(transactional_db: None, user: User) -> str:
    make_execution(user=user, status=S.SUCCESS, title="under asgi")
    return Token.objects.create(user=user).key


@pytest.mark.django_db(transaction=True)
async def test_export_streams_asynchronously_under_asgi(token: str) -> None:
    client = AsyncClient()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it must buffer a sync iterator
        response: Any = await client.get(
            EXPORT, {"format": "csv"}, headers={"Authorization": f"Token {token}"}
        )
        chunks = [chunk async for chunk in response.streaming_content]

    assert response.status_code == 200
    assert response.is_async
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert [row["title"] for row in rows] == ["under asgi"]


# --- OpenAPI -------------------------------------------------------------------------------


def test_schema_and_docs_are_served(anonymous_api: APIClient) -> None:
    schema = anonymous_api.get("/api/schema/")

    assert schema.status_code == 200
    assert b"/api/tasks/executions/{id}/" in schema.content
    assert anonymous_api.get("/api/docs/").status_code == 200


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    call_command(
        "spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml")
    )

    assert "/api/tasks/templates/{id}/launch/" in (tmp_path / "schema.yaml").read_text()
