import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from task_manager.models import TaskNotification
from task_manager.payloads import notification_data
from task_manager.tests.factories import make_execution, make_notification

pytestmark = pytest.mark.django_db

BASE = "/api/tasks/notifications/"


def test_list_shows_own_notifications_newest_first(
    api: APIClient, user: User, other_user: User
) -> None:
    execution = make_execution(user=user)
    older = make_notification(user=user, read=True)
    newer = make_notification(user=user, execution=execution, level="success")
    make_notification(user=other_user)

    body = api.get(BASE).json()

    assert body["count"] == 2
    assert body["results"] == [notification_data(newer), notification_data(older)]
    assert body["results"][0]["execution_id"] == execution.pk


def test_unread_filter(api: APIClient, user: User) -> None:
    make_notification(user=user, read=True)
    unread = make_notification(user=user)

    assert [row["id"] for row in api.get(BASE, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert api.get(BASE, {"unread": "false"}).json()["count"] == 2


@pytest.mark.parametrize("value", ["maybe", "2", "[]"])
def test_a_bad_unread_value_is_400(api: APIClient, value: str) -> None:
    response = api.get(BASE, {"unread": value})

    assert response.status_code == 400
    assert "unread" in response.json()["errors"]


def test_unread_count(api: APIClient, user: User, other_user: User) -> None:
    make_notification(user=user)
    make_notification(user=user)
    make_notification(user=user, read=True)
    make_notification(user=other_user)

    assert api.get(f"{BASE}unread-count/").json() == {"count": 2}


def test_mark_one_read(api: APIClient, user: User) -> None:
    notification = make_notification(user=user)
    other = make_notification(user=user)

    response = api.post(f"{BASE}{notification.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert response.json()["id"] == notification.pk
    other.refresh_from_db()
    assert other.read_at is None
    assert api.post(f"{BASE}{notification.pk}/read/").status_code == 200  # idempotent


def test_mark_all_read(api: APIClient, user: User, other_user: User) -> None:
    make_notification(user=user)
    make_notification(user=user)
    make_notification(user=user, read=True)
    theirs = make_notification(user=other_user)

    response = api.post(f"{BASE}read-all/")

    assert response.json() == {"updated": 2}
    assert api.get(f"{BASE}unread-count/").json() == {"count": 0}
    assert api.post(f"{BASE}read-all/", {}, format="json").json() == {"updated": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_is_404(api: APIClient, other_user: User) -> None:
    theirs = make_notification(user=other_user)

    response = api.post(f"{BASE}{theirs.pk}/read/")

    assert response.status_code == 404
    assert "detail" in response.json()
    assert api.get(BASE).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("pk", ["0", "9" * 30])
def test_missing_notifications_are_404(api: APIClient, pk: str) -> None:
    assert api.post(f"{BASE}{pk}/read/").status_code == 404


@pytest.mark.parametrize("body", ['{"ids": [1', "[1, 2]", '"all"', '{"x": 1e999}', "nul"])
def test_malformed_bodies_are_400(api: APIClient, user: User, body: str) -> None:
    notification = make_notification(user=user)

    responses = [
        api.post(f"{BASE}{notification.pk}/read/", body, content_type="application/json"),
        api.post(f"{BASE}read-all/", body, content_type="application/json"),
    ]

    assert [response.status_code for response in responses] == [400, 400]
    assert all(response.json()["errors"] for response in responses)
    assert TaskNotification.objects.filter(read_at__isnull=True).count() == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(
    api: APIClient, user: User, rows: int, django_assert_num_queries
) -> None:
    for _ in range(rows):
        make_notification(user=user, execution=make_execution(user=user))

    with django_assert_num_queries(2):
        response = api.get(BASE, {"page_size": 100})

    assert len(response.json()["results"]) == rows


def test_a_notification_names_its_executions_module(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status="SUCCESS", module="edi")
    TaskNotification.objects.create(user=user, execution=execution, title="Import finished")
    TaskNotification.objects.create(user=user, title="No execution")

    results = api.get(BASE).json()["results"]

    assert [row["module"] for row in results] == [None, "edi"]
