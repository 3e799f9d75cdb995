"""task_manager.access: which changes of a user tell the user's open connections, and when.

test_consumers covers what a connection does with the message; test_live_access covers the
whole path, from a change in one process to a socket of the real web server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from task_manager import access, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, Any]]]:
    sent: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: sent.append((groups, message)))
    return sent


def told(user: User, **details: Any) -> tuple[list[str], dict[str, Any]]:
    return [events.user_notifications_group(user.pk)], {"type": "user.access", **details}


@pytest.mark.parametrize(
    "change",
    [
        lambda user: setattr(user, "is_active", False),
        lambda user: setattr(user, "is_staff", True),
        lambda user: user.set_password("a-new-password-2"),
    ],
    ids=["deactivated", "made-staff", "password"],
)
def test_a_saved_user_tells_its_connections_after_the_commit(
    user: User, published: list[Any], django_capture_on_commit_callbacks: Any, change: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change(user)
        user.save()
        assert published == []  # not before the change is visible to the check

    assert len(callbacks) == 1
    assert published == [told(user)]


def test_a_rolled_back_change_tells_nobody(
    user: User, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    def deactivate_then_fail() -> None:
        with transaction.atomic():
            user.is_active = False
            user.save()
            raise RuntimeError

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        deactivate_then_fail()

    assert callbacks == []
    assert published == []


def test_creating_a_user_or_noting_a_login_is_no_change_of_access(
    published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = User.objects.create_user("eve", password="eve-password-1")
        APIClient().post(
            "/api/auth/login/", {"username": "eve", "password": "eve-password-1"}, format="json"
        )

    user.refresh_from_db()
    assert user.last_login is not None
    assert published == []


def test_a_deleted_user_or_token_tells_its_connections(
    user: User, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    token = Token.objects.create(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        token.delete()
    assert published == [told(user)]

    published.clear()
    user_id = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()
    assert published == [([events.user_notifications_group(user_id)], {"type": "user.access"})]


def test_a_logout_names_the_session_it_ends_by_a_digest_only(
    user: User, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = APIClient()
    client.post(
        "/api/auth/login/", {"username": "ana", "password": "ana-password-1"}, format="json"
    )
    session_key = client.session.session_key
    assert session_key

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/auth/logout/")

    assert response.status_code == 204
    assert published == [told(user, ended_session=access.session_digest(session_key))]
    assert session_key not in str(published)


def test_a_logout_without_a_session_tells_nobody(
    published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post("/api/auth/logout/")

    assert response.status_code == 204
    assert published == []
