"""Brute force on the login and token endpoints: django-axes locks the client out.

The Nth wrong password in a row, per client address or per username, locks out for the
window: 429 with Retry-After, the right password included; after the window it works.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from testing.live import LiveServer, running

pytestmark = pytest.mark.django_db
ENDPOINTS = ["/api/auth/token/", "/api/auth/login/"]


def attempt(path: str, username: str, password: str, address: str = "127.0.0.1") -> Any:
    client = APIClient(REMOTE_ADDR=address)
    return client.post(path, {"username": username, "password": password}, format="json")


def first_refusal(path: str, username: str, tries: int, **kwargs: str) -> tuple[int, Any]:
    """(which attempt answered 429, its response); (0, None) when none did."""
    for number in range(1, tries + 1):
        response = attempt(path, username, f"wrong-{number}", **kwargs)
        if response.status_code == 429:
            return number, response
        assert response.status_code == 400, response.content
    return 0, None


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_fifth_wrong_password_locks_the_user_out(path: str, user: User) -> None:
    number, refused = first_refusal(path, "ana", tries=50)

    assert number == 5  # TASKPULSE_LOGIN_FAILURES' default
    assert refused["Retry-After"] == "900"  # TASKPULSE_LOGIN_LOCKOUT_SECONDS' default
    assert "Too many failed logins" in refused.json()["detail"]
    right = attempt(path, "ana", "ana-password-1")
    assert right.status_code == 429
    assert right["Retry-After"] == "900"


def test_a_username_is_locked_out_whatever_the_address(user: User) -> None:
    for number in range(1, 5):
        assert attempt(ENDPOINTS[0], "ana", "wrong", address=f"10.0.0.{number}").status_code == 400

    assert attempt(ENDPOINTS[0], "ana", "wrong", address="10.0.0.5").status_code == 429
    assert attempt(ENDPOINTS[0], "ana", "ana-password-1", address="10.0.0.6").status_code == 429
    # Another user from another address is not concerned.
    User.objects.create_user("bob", password="bob-password-1")
    assert attempt(ENDPOINTS[0], "bob", "bob-password-1", address="10.0.0.7").status_code == 200


def test_an_address_is_locked_out_whatever_the_username(user: User) -> None:
    for number in range(1, 5):
        assert attempt(ENDPOINTS[1], f"guess-{number}", "wrong", "10.1.1.1").status_code == 400

    assert attempt(ENDPOINTS[1], "guess-5", "wrong", "10.1.1.1").status_code == 429
    assert attempt(ENDPOINTS[1], "ana", "ana-password-1", "10.1.1.1").status_code == 429
    assert attempt(ENDPOINTS[1], "ana", "ana-password-1", "10.1.1.2").status_code == 200


def test_after_the_window_the_right_password_works(user: User, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)

    number, refused = first_refusal(ENDPOINTS[0], "ana", tries=10)
    assert (number, refused["Retry-After"]) == (3, "1")
    assert attempt(ENDPOINTS[0], "ana", "ana-password-1").status_code == 429
    time.sleep(1.5)  # the window (Redis expires the counts)

    assert attempt(ENDPOINTS[0], "ana", "ana-password-1").status_code == 200


def test_a_success_before_the_limit_starts_the_count_again(user: User) -> None:
    for _ in range(4):
        assert attempt(ENDPOINTS[0], "ana", "wrong").status_code == 400
    assert attempt(ENDPOINTS[0], "ana", "ana-password-1").status_code == 200

    for _ in range(4):
        assert attempt(ENDPOINTS[0], "ana", "wrong").status_code == 400


def test_a_lockout_is_logged(user: User, caplog: pytest.LogCaptureFixture) -> None:
    first_refusal(ENDPOINTS[0], "ana", tries=5)

    assert any("Locking out" in record.getMessage() for record in caplog.records)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_web_processes_count_failures_together(tmp_path: Any, settings: Any) -> None:
    """A real web server (3 failures, 2 s window) and this process share the counts (Redis)."""
    User.objects.create_user("ana", password="ana-password-1")
    settings.AXES_FAILURE_LIMIT = 3
    server = LiveServer(tmp_path / "web.log", TASKPULSE_LOGIN_FAILURES="3",
                        TASKPULSE_LOGIN_LOCKOUT_SECONDS="2")  # fmt: skip
    with running(server):
        url = f"{server.url}{ENDPOINTS[0]}"
        codes = [requests.post(url, json={"username": "ana", "password": "x"}, timeout=10)
                 for _ in range(2)]  # fmt: skip
        third = requests.post(url, json={"username": "ana", "password": "x"}, timeout=10)
        in_process = attempt(ENDPOINTS[0], "ana", "ana-password-1")
        right = requests.post(url, json={"username": "ana", "password": "ana-password-1"},
                              timeout=10)  # fmt: skip
        time.sleep(2.5)  # the window
        after = requests.post(url, json={"username": "ana", "password": "ana-password-1"},
                              timeout=10)  # fmt: skip

    assert [response.status_code for response in codes] == [400, 400]
    assert (third.status_code, third.headers["Retry-After"]) == (429, "2")
    assert in_process.status_code == 429  # this process sees the server's lockout
    assert right.status_code == 429
    assert after.status_code == 200
    assert "AXES: Locking out" in server.output()
