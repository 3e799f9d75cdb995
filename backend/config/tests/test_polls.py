"""Conditional polls answered in front of Django (config.api.polls).

The wrapper may only answer 304 when Django would: every other case must reach Django.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from config.api import polls
from config.api.etags import execution_etag
from config.api.polls import ConditionalPolls
from task_manager import lifecycle, selectors
from task_manager.models import TaskExecution
from task_manager.rules import Change
from testing.live import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)  # the wrapper reads on its own threads


class Django:
    """Stands for Django behind the wrapper: answers 299 and counts the requests it got."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def poll(app: Any, path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    scope = {
        "type": "http", "method": method, "path": path, "query_string": b"",
        "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    await communicator.receive_output(5)
    return {"status": start["status"], "headers": dict(start["headers"])}


def execution_of(user: User | None) -> TaskExecution:
    return TaskExecution.objects.create(user=user, task_id=f"t-{user}", task_name="demo", seq=3)


def token_of(user: User) -> str:
    return f"Token {Token.objects.create(user=user).key}"


def url(execution: TaskExecution) -> str:
    return f"/api/tasks/executions/{execution.pk}/"


@pytest.fixture
def django() -> Django:
    return Django()


async def test_an_unchanged_execution_is_a_304_without_django(django: Django, user: User) -> None:
    execution = await TaskExecution.objects.acreate(user=user, task_id="t-1", task_name="demo")
    token = await Token.objects.acreate(user=user)
    etag = execution_etag(execution.pk, 0)

    answer = await poll(ConditionalPolls(django), url(execution), authorization=f"Token {token}",
                        if_none_match=etag)  # fmt: skip

    assert answer["status"] == 304
    assert answer["headers"][b"etag"] == etag.encode()
    assert answer["headers"][b"cache-control"] == b"no-cache, private"
    assert answer["headers"][b"vary"] == b"Accept, Authorization, Cookie"
    assert django.calls == 0


def test_the_304_says_what_djangos_answer_says(user: User) -> None:
    # The same headers as the view's own 304 (what a client or a cache keeps).
    from rest_framework.test import APIClient

    execution = execution_of(user)
    client = APIClient()
    client.force_authenticate(user)
    etag = execution_etag(execution.pk, 3)
    answer = client.get(url(execution), headers={"If-None-Match": etag})

    assert answer.status_code == 304
    assert answer["ETag"] == etag
    assert answer["Cache-Control"] == "no-cache, private"
    assert answer["Vary"] == "Accept, Authorization, Cookie"


@pytest.mark.parametrize(
    "case", ["changed", "no tag", "POST", "logs", "bad token", "inactive", "theirs", "anonymous"]
)
async def test_anything_but_a_provable_304_goes_to_django(
    django: Django, user: User, other_user: User, case: str
) -> None:
    execution = await TaskExecution.objects.acreate(user=user, task_id="t-1", task_name="demo")
    token = f"Token {await Token.objects.acreate(user=user)}"
    path, method, headers = (
        url(execution),
        "GET",
        {"if_none_match": execution_etag(execution.pk, 0)},
    )
    if case == "changed":
        headers["if_none_match"] = execution_etag(execution.pk, 7)
    elif case == "no tag":
        headers = {}
    elif case == "POST":
        method = "POST"
    elif case == "logs":
        path += "logs/"
    elif case == "bad token":
        token = "Token not-a-token"
    elif case == "inactive":
        user.is_active = False
        await user.asave()
    elif case == "theirs":
        token = f"Token {await Token.objects.acreate(user=other_user)}"
    if case != "anonymous":
        headers["authorization"] = token

    answer = await poll(ConditionalPolls(django), path, method, **headers)

    assert answer["status"] == 299
    assert django.calls == 1


@pytest.mark.parametrize("who", ["owner", "staff", "someone else", "inactive owner", "nobody"])
def test_the_token_statement_gives_what_the_visibility_rule_gives(
    user: User, other_user: User, staff_user: User, who: str
) -> None:
    execution = execution_of(user)
    caller = {"owner": user, "staff": staff_user, "someone else": other_user,
              "inactive owner": user, "nobody": None}[who]  # fmt: skip
    if who == "inactive owner":
        user.is_active = False
        user.save()
    key = Token.objects.create(user=caller).key if caller is not None else "no-such-token"

    by_token = selectors.execution_seq_for_token(key=key, execution_id=execution.pk)
    by_rule = (
        selectors.execution_seq_visible_to(user=caller, execution_id=execution.pk)
        if caller is not None and caller.is_active
        else None
    )

    assert by_token == by_rule
    assert by_token == (3 if who in ("owner", "staff") else None)


async def test_staff_poll_anyones_execution(django: Django, user: User, staff_user: User) -> None:
    execution = await TaskExecution.objects.acreate(user=user, task_id="t-1", task_name="demo")
    token = await Token.objects.acreate(user=staff_user)

    answer = await poll(ConditionalPolls(django), url(execution), authorization=f"Token {token}",
                        if_none_match="*")  # fmt: skip

    assert answer["status"] == 304


def test_repeated_headers_are_joined_as_http_joins_them() -> None:
    scope = {"headers": [(b"cookie", b"a=1"), (b"cookie", b"sessionid=x"),
                         (b"if-none-match", b'"1-2"'), (b"if-none-match", b'"1-3"')]}  # fmt: skip

    assert polls.header(scope, b"cookie") == "a=1; sessionid=x"
    assert polls.header(scope, b"if-none-match") == '"1-2", "1-3"'
    assert polls.header(scope, b"authorization") == ""


def test_a_session_authenticates_first_as_in_drf(user: User, other_user: User) -> None:
    from asgiref.sync import async_to_sync

    execution = execution_of(user)
    theirs = execution_of(other_user)
    browser = Client()
    browser.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    django = Django()
    app = ConditionalPolls(django)

    mine = async_to_sync(poll)(app, url(execution), cookie=cookie, if_none_match="*")
    # The session's user is the caller even with another user's token (DRF's order).
    other = async_to_sync(poll)(app, url(theirs), cookie=cookie,
                                authorization=token_of(other_user), if_none_match="*")  # fmt: skip

    assert (mine["status"], other["status"]) == (304, 299)


@pytest.mark.e2e
def test_polls_through_the_web_server(live_web: LiveServer, user: User, other_user: User) -> None:
    execution = execution_of(user)
    mine = {"Authorization": token_of(user)}
    detail = f"{live_web.url}{url(execution)}"

    first = requests.get(detail, headers=mine, timeout=5)
    unchanged = requests.get(detail, headers={**mine, "If-None-Match": first.headers["ETag"]},
                             timeout=5)  # fmt: skip
    lifecycle.execution_apply(execution.pk, Change(progress=50, message="half"))
    changed = requests.get(detail, headers={**mine, "If-None-Match": first.headers["ETag"]},
                           timeout=5)  # fmt: skip
    theirs = requests.get(detail, headers={"Authorization": token_of(other_user),
                                           "If-None-Match": "*"}, timeout=5)  # fmt: skip

    assert (first.status_code, unchanged.status_code) == (200, 304)
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert (changed.status_code, changed.json()["message"]) == (200, "half")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert theirs.status_code == 404


def test_the_poll_thread_checks_its_connections_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(polls, "close_old_connections", lambda: checks.append(clock[0]))
    monkeypatch.setattr(polls.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(polls, "_housekeeping_due", 0.0)

    for step in (0.0, 0.5, 0.25, 0.5, 2.0):
        clock[0] += step
        polls.housekeeping()

    assert checks == [1000.0, 1001.25, 1003.25]
