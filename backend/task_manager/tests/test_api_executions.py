from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from task_manager.api.serializers import ExecutionDetailSerializer, ExecutionSerializer
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.payloads import execution_data, execution_detail_data
from task_manager.tests.factories import make_execution, make_executions, make_log_lines

pytestmark = pytest.mark.django_db

S = ExecutionStatus
LIST = "/api/tasks/executions/"


def detail_url(execution: TaskExecution) -> str:
    return f"/api/tasks/executions/{execution.pk}/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail_data(execution: TaskExecution) -> dict:
    """The detail as a non-staff caller gets it."""
    return execution_detail_data(execution, staff=False)


def without_clock(data: dict) -> dict:
    """Drop the fields computed from the current time (running executions)."""
    return {key: value for key, value in data.items() if key not in {"duration", "eta_seconds"}}


def ids(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- list ----------------------------------------------------------------------------------


def test_list_is_paginated_and_shows_only_own_executions(
    api: APIClient, user: User, other_user: User
) -> None:
    mine = make_executions(27, user=user)
    make_execution(user=other_user)

    body = api.get(LIST, {"page_size": 25}).json()

    assert body["count"] == 27
    assert body["next"] is not None
    assert body["previous"] is None
    assert [row["id"] for row in body["results"]][:2] == [mine[26].pk, mine[25].pk]
    assert body["results"][0] == execution_data(mine[26])
    assert ids(api.get(LIST, {"page_size": 25, "page": 2})) == [mine[1].pk, mine[0].pk]


def test_staff_see_every_execution_and_may_filter_by_user(
    staff_user: User, user: User, other_user: User
) -> None:
    ana = make_execution(user=user)
    bob = make_execution(user=other_user)
    staff = client_for(staff_user)

    assert ids(staff.get(LIST)) == [bob.pk, ana.pk]
    assert ids(staff.get(LIST, {"user": user.pk})) == [ana.pk]
    assert ids(staff.get(LIST, {"user": "bob"})) == [bob.pk]


def test_the_user_filter_is_ignored_for_non_staff(
    api: APIClient, user: User, other_user: User
) -> None:
    mine = make_execution(user=user)
    make_execution(user=other_user)

    assert ids(api.get(LIST, {"user": other_user.pk})) == [mine.pk]
    assert api.get(LIST, {"user": "9" * 40}).status_code == 200


def test_filters_status_module_name_active_and_search(api: APIClient, user: User) -> None:
    pending = make_execution(user=user, status=S.PENDING, title="Deploy web-01")
    running = make_execution(user=user, status=S.PROGRESS, module="deploy", name="deploy.vm")
    failed = make_execution(user=user, status=S.FAILURE, message="disk full")

    assert ids(api.get(LIST, {"status": "PENDING,progress"})) == [running.pk, pending.pk]
    assert ids(api.get(f"{LIST}?status=FAILURE&status=PENDING")) == [failed.pk, pending.pk]
    assert ids(api.get(LIST, {"module": "deploy"})) == [running.pk]
    assert ids(api.get(LIST, {"name": "deploy.vm"})) == [running.pk]
    assert ids(api.get(LIST, {"active": "true"})) == [running.pk, pending.pk]
    assert ids(api.get(LIST, {"active": "false"})) == [failed.pk]
    assert ids(api.get(LIST, {"search": "WEB-01"})) == [pending.pk]
    assert ids(api.get(LIST, {"search": "disk"})) == [failed.pk]
    assert ids(api.get(LIST, {"search": pending.task_id[:13]})) == [pending.pk]
    assert len(ids(api.get(LIST, {"module": "", "status": "", "search": ""}))) == 3


def test_created_after_accepts_dates_and_datetimes(api: APIClient, user: User) -> None:
    old = make_execution(user=user, created_at=timezone.now() - timedelta(days=10))
    new = make_execution(user=user)
    yesterday = timezone.now() - timedelta(days=1)

    assert ids(api.get(LIST, {"created_after": yesterday.date().isoformat()})) == [new.pk]
    assert ids(api.get(LIST, {"created_after": yesterday.isoformat()})) == [new.pk]
    assert ids(api.get(LIST, {"created_before": yesterday.isoformat()})) == [old.pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("progress", ["low", "high"]), ("-created_at", ["high", "low"]), ("name", ["high", "low"])],
)
def test_ordering(api: APIClient, user: User, ordering: str, expected: list[str]) -> None:
    rows = {
        "low": make_execution(user=user, progress=10, name="b"),
        "high": make_execution(user=user, progress=90, name="a"),
    }

    assert ids(api.get(LIST, {"ordering": ordering})) == [rows[key].pk for key in expected]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"status": "PENDING,nope"}, "status"),
        ({"active": "maybe"}, "active"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_after": "2024-02-30"}, "created_after"),
        ({"created_after": "0001-01-01T00:00:00+14:00"}, "created_after"),
        ({"created_before": "2024-13-01"}, "created_before"),
        ({"ordering": "password"}, "ordering"),
        ({"ordering": "user__password"}, "ordering"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_invalid_filters_are_400_per_field(
    api: APIClient, user: User, params: dict, field: str
) -> None:
    response = api.get(LIST, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["detail"].startswith(field)


def test_staff_user_filter_with_a_huge_id_is_400(staff_user: User) -> None:
    response = client_for(staff_user).get(LIST, {"user": "9" * 40})

    assert response.status_code == 400
    assert "user" in response.json()["errors"]


def test_a_page_past_the_end_is_a_json_404(api: APIClient, user: User) -> None:
    make_execution(user=user)

    response = api.get(LIST, {"page": 5})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(
    api: APIClient, user: User, other_user: User, rows: int, django_assert_num_queries
) -> None:
    make_executions(rows, user=user)
    make_executions(rows, user=other_user)

    with django_assert_num_queries(2):  # count + one page with its users joined
        response = api.get(LIST, {"page_size": 100})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_staff_list_query_count_does_not_grow_with_users(
    staff_user: User, rows: int, django_assert_num_queries
) -> None:
    for index in range(rows):
        make_execution(user=User.objects.create_user(f"user{index}"))
    staff = client_for(staff_user)

    with django_assert_num_queries(2):
        response = staff.get(LIST, {"page_size": 100})

    assert {row["user"]["username"] for row in response.json()["results"]} == {
        f"user{index}" for index in range(rows)
    }


def test_anonymous_callers_get_a_json_403(anonymous_api: APIClient) -> None:
    for url in (LIST, "/api/tasks/user-tasks/", "/api/tasks/stats/"):
        response = anonymous_api.get(url)
        assert response.status_code in (401, 403)
        assert "detail" in response.json()


# --- detail and ETag -----------------------------------------------------------------------


def test_detail_is_execution_data_with_an_etag(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.PROGRESS, seq=7, traceback="secret")

    response = api.get(detail_url(execution))

    assert response.status_code == 200
    assert without_clock(response.json()) == without_clock(detail_data(execution))
    assert "traceback" not in response.json()
    assert response["ETag"] == f'W/"{execution.pk}-7"'


def test_staff_detail_adds_the_traceback(staff_user: User, user: User) -> None:
    execution = make_execution(user=user, status=S.FAILURE, traceback="Traceback: boom")

    body = client_for(staff_user).get(detail_url(execution)).json()

    assert body == {**detail_data(execution), "traceback": "Traceback: boom"}


def test_if_none_match_gives_304_with_one_query(
    api: APIClient, user: User, django_assert_num_queries
) -> None:
    execution = make_execution(user=user, seq=3)
    etag = api.get(detail_url(execution))["ETag"]

    with django_assert_num_queries(1):
        not_modified = api.get(detail_url(execution), headers={"If-None-Match": etag})

    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    strong = api.get(detail_url(execution), headers={"If-None-Match": f'"{execution.pk}-3"'})
    assert strong.status_code == 304


def test_a_changed_seq_or_a_junk_etag_gives_200(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, seq=3)
    etag = api.get(detail_url(execution))["ETag"]
    TaskExecution.objects.filter(pk=execution.pk).update(seq=4, message="moved on")

    changed = api.get(detail_url(execution), headers={"If-None-Match": etag})
    junk = api.get(detail_url(execution), headers={"If-None-Match": "garbage, W/"})

    assert changed.status_code == 200
    assert changed.json()["message"] == "moved on"
    assert changed["ETag"] == f'W/"{execution.pk}-4"'
    assert junk.status_code == 200


def test_if_none_match_does_not_reveal_other_users_executions(
    api: APIClient, other_user: User
) -> None:
    theirs = make_execution(user=other_user, seq=1)

    response = api.get(detail_url(theirs), headers={"If-None-Match": "*"})

    assert response.status_code == 404


def test_serializers_describe_exactly_the_payload(user: User) -> None:
    execution = make_execution(user=user)

    assert set(ExecutionSerializer().fields) == set(execution_data(execution))
    assert set(ExecutionDetailSerializer().fields) == {
        *execution_detail_data(execution, staff=True),
        "flower",
    }


# --- logs ----------------------------------------------------------------------------------


def test_logs_after_seq_with_limit(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.PROGRESS)
    make_log_lines(execution, 5)
    url = f"{detail_url(execution)}logs/"

    first = api.get(url, {"limit": 2}).json()
    rest = api.get(url, {"after_seq": first["last_seq"]}).json()
    empty = api.get(url, {"after_seq": 99}).json()

    assert [line["seq"] for line in first["lines"]] == [1, 2]
    assert first["last_seq"] == 2
    assert first["has_more"] is True
    assert set(first["lines"][0]) == {"seq", "ts", "level", "message"}
    assert [line["seq"] for line in rest["lines"]] == [3, 4, 5]
    assert rest == {**rest, "last_seq": 5, "has_more": False}
    assert empty == {"lines": [], "last_seq": 99, "has_more": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after_seq": "abc"}, "after_seq"),
        ({"after_seq": "-1"}, "after_seq"),
        ({"after_seq": "9" * 40}, "after_seq"),
        ({"after_seq": "1.5e3"}, "after_seq"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
    ],
)
def test_bad_log_parameters_are_400(api: APIClient, user: User, params: dict, field: str) -> None:
    execution = make_execution(user=user)

    response = api.get(f"{detail_url(execution)}logs/", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


# --- cancel --------------------------------------------------------------------------------


def test_cancel_of_a_pending_execution_revokes_it(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.PENDING)

    response = api.post(f"/api/tasks/cancel/{execution.pk}/")

    assert response.status_code == 202
    assert response.json() == {"status": "REVOKED"}
    execution.refresh_from_db()
    assert execution.status == S.REVOKED
    assert execution.cancel_requested_at is not None


def test_cancel_of_a_running_execution_asks_it_to_stop(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.PROGRESS, seq=4)

    response = api.post(f"/api/tasks/cancel/{execution.pk}/", {"force": False}, format="json")

    assert response.status_code == 202
    assert response.json() == {"status": "cancelling"}
    execution.refresh_from_db()
    assert execution.status == S.PROGRESS
    assert execution.seq == 5
    assert execution_data(execution)["can_cancel"] is False


def test_cancel_of_a_finished_execution_is_409(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.SUCCESS)

    response = api.post(f"/api/tasks/cancel/{execution.pk}/")

    assert response.status_code == 409
    assert "already" in response.json()["detail"]


def test_force_cancel_is_403_for_non_staff_and_before_the_grace_period(
    api: APIClient, user: User, staff_user: User
) -> None:
    execution = make_execution(user=user, status=S.PROGRESS)
    url = f"/api/tasks/cancel/{execution.pk}/"

    by_user = api.post(url, {"force": True}, format="json")
    too_early = client_for(staff_user).post(url, {"force": True}, format="json")

    assert by_user.status_code == 403
    assert "staff" in by_user.json()["detail"]
    assert too_early.status_code == 403
    assert "cancel first" in too_early.json()["detail"]


def test_staff_may_force_terminate_after_the_grace_period(
    staff_user: User, user: User, settings
) -> None:
    asked = timezone.now() - timedelta(seconds=settings.TASKPULSE_CANCEL_GRACE_SECONDS + 1)
    execution = make_execution(user=user, status=S.PROGRESS, cancel_requested_at=asked)

    response = client_for(staff_user).post(
        f"/api/tasks/cancel/{execution.pk}/", {"force": True}, format="json"
    )

    assert response.status_code == 202
    assert response.json() == {"status": "REVOKED"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"force": "banana"}', "application/json"),
        ('{"force": 2}', "application/json"),
        ('{"force": [true]}', "application/json"),
        ('{"force": 1e999}', "application/json"),
        ('{"force": NaN}', "application/json"),
        ('{"force": tru', "application/json"),
        ('"force"', "application/json"),
        ("[1, 2]", "application/json"),
        ("[" * 100_000, "application/json"),
        (b"\xff\xfe{", "application/json"),
    ],
)
def test_bad_cancel_bodies_are_400_with_errors(
    api: APIClient, user: User, body: str, content_type: str
) -> None:
    execution = make_execution(user=user, status=S.PROGRESS)

    response = api.post(f"/api/tasks/cancel/{execution.pk}/", body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["errors"]
    execution.refresh_from_db()
    assert execution.cancel_requested_at is None


# --- user-tasks ----------------------------------------------------------------------------


def test_user_tasks_lists_own_active_first_then_newest(
    api: APIClient, user: User, staff_user: User
) -> None:
    old_running = make_execution(user=user, status=S.PROGRESS)
    finished = make_execution(user=user, status=S.SUCCESS)
    new_pending = make_execution(user=user, status=S.PENDING, module="deploy")
    make_execution(user=staff_user)

    body = api.get("/api/tasks/user-tasks/").json()

    assert [row["id"] for row in body["results"]] == [new_pending.pk, old_running.pk, finished.pk]
    assert body["count"] == 3
    assert ids(api.get("/api/tasks/user-tasks/", {"module": "deploy"})) == [new_pending.pk]
    assert client_for(staff_user).get("/api/tasks/user-tasks/").json()["count"] == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_user_tasks_query_count_does_not_grow_with_rows(
    api: APIClient, user: User, rows: int, django_assert_num_queries
) -> None:
    make_executions(rows, user=user)

    with django_assert_num_queries(2):
        response = api.get("/api/tasks/user-tasks/", {"page_size": 100})

    assert len(response.json()["results"]) == rows


# --- visibility ----------------------------------------------------------------------------


def test_another_users_execution_is_404_everywhere(api: APIClient, other_user: User) -> None:
    theirs = make_execution(user=other_user, status=S.PROGRESS)
    make_log_lines(theirs, 2)

    responses = [
        api.get(detail_url(theirs)),
        api.get(f"{detail_url(theirs)}logs/"),
        api.post(f"/api/tasks/cancel/{theirs.pk}/"),
        api.post(f"/api/tasks/cancel/{theirs.pk}/", {"force": True}, format="json"),
    ]

    assert [response.status_code for response in responses] == [404] * 4
    assert all("detail" in response.json() for response in responses)
    assert ids(api.get(LIST)) == []
    theirs.refresh_from_db()
    assert theirs.cancel_requested_at is None


@pytest.mark.parametrize("pk", ["0", "9" * 30])
def test_missing_or_out_of_range_ids_are_404(api: APIClient, user: User, pk: str) -> None:
    urls = [
        f"/api/tasks/executions/{pk}/",
        f"/api/tasks/executions/{pk}/logs/",
    ]

    assert [api.get(url).status_code for url in urls] == [404, 404]
    assert api.get(urls[0], headers={"If-None-Match": '"1-1"'}).status_code == 404
    assert api.post(f"/api/tasks/cancel/{pk}/").status_code == 404
