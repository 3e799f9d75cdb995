"""GETs of an execution answered in front of Django's ASGI handler (config.api.polls).

The wrapper answers 304s itself only when Django would, and every other GET on its
long-lived thread with Django's own answer: each is compared with what Django's ASGI handler
answers to the same request. What it leaves alone must reach that handler untouched.
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Any

import pytest
import requests
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from config.api import polls
from config.api.etags import execution_etag
from config.api.polls import ConditionalPolls
from task_manager import lifecycle, selectors
from task_manager.api.views import ExecutionDetailView
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


async def poll(app: Any, path: str, method: str = "GET", query: bytes = b"",
               **headers: str) -> dict[str, Any]:  # fmt: skip
    """Everything `app` sends for one request, as uvicorn would give it the request."""
    headers = {"host": "localhost", **headers}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http",
        "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50123),
        "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    body = b""
    while True:
        message = await communicator.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(5)
    return {"status": start["status"], "headers": start["headers"], "body": body}


def execution_of(user: User | None) -> TaskExecution:
    return TaskExecution.objects.create(user=user, task_id=f"t-{user}", task_name="demo", seq=3)


def token_of(user: User) -> str:
    return f"Token {Token.objects.create(user=user).key}"


def url(execution: TaskExecution) -> str:
    return f"/api/tasks/executions/{execution.pk}/"


def session_cookie(user: User) -> str:
    browser = Client()
    browser.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


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
    assert answer["headers"] == [(b"etag", etag.encode()), (b"cache-control", b"no-cache, private"),
                                 (b"vary", b"Accept, Authorization, Cookie")]  # fmt: skip
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


CASES = {
    # case: the status Django answers
    "token": 200, "session": 200, "changed": 200, "staff": 200, "query": 200,
    "session saved": 200, "stale session": 403, "bad token": 403, "inactive": 403,
    "anonymous": 403, "theirs": 404, "session first": 404, "missing": 404, "format": 404,
    "bad host": 400, "undecodable": 400,
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_every_other_get_is_djangos_answer_from_the_poll_thread(
    user: User, other_user: User, staff_user: User, settings: Any, case: str
) -> None:
    execution = execution_of(user)
    path, query = url(execution), b""
    headers = {"authorization": token_of(user)}
    if case == "session":
        headers = {"cookie": f"theme=dark; {session_cookie(user)}"}
    elif case == "changed":
        headers["if_none_match"] = execution_etag(execution.pk, 2)
    elif case == "staff":
        headers["authorization"] = token_of(staff_user)
    elif case == "session first":  # the session's user is the caller, as in DRF
        path = url(execution_of(other_user))
        headers = {"cookie": session_cookie(user), "authorization": token_of(other_user),
                   "if_none_match": "*"}  # fmt: skip
    elif case == "query":
        query = b"format=json&unknown=1&page=2"
    elif case == "session saved":  # a Set-Cookie at every answer, without a date to differ
        settings.SESSION_SAVE_EVERY_REQUEST = settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
        headers = {"cookie": session_cookie(user)}
    elif case == "stale session":
        headers = {"cookie": f"{settings.SESSION_COOKIE_NAME}=no-such-session"}
    elif case == "bad token":
        headers["authorization"] = "Token not-a-token"
    elif case == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif case == "anonymous":
        headers = {}
    elif case == "theirs":
        headers["authorization"] = token_of(other_user)
    elif case == "missing":
        path = "/api/tasks/executions/999999/"
    elif case == "format":
        query = b"format=xml"
    elif case == "bad host":
        headers["host"] = "evil.example"
    elif case == "undecodable":
        query = b"a=\xff"
    django = Django()

    expected = async_to_sync(poll)(ASGIHandler(), path, query=query, **headers)
    answer = async_to_sync(poll)(ConditionalPolls(django), path, query=query, **headers)

    assert (answer, django.calls) == (expected, 0)
    assert answer["status"] == CASES[case]
    if answer["status"] == 200:  # the middleware's headers too, not the view's alone
        assert {b"ETag", b"Vary", b"X-Frame-Options", b"Content-Security-Policy",
                b"Content-Length"} <= dict(answer["headers"]).keys()  # fmt: skip
    if case == "session saved":
        assert b"Set-Cookie" in dict(answer["headers"])


def test_a_200_is_answered_on_the_poll_thread_with_its_connection(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[threading.Thread, Any, Any]] = []
    retrieve = ExecutionDetailView.retrieve

    def watched(view: ExecutionDetailView, *args: Any, **kwargs: Any) -> Any:
        connection = connections["default"]
        seen.append((threading.current_thread(), connection, connection.connection))
        return retrieve(view, *args, **kwargs)

    monkeypatch.setattr(ExecutionDetailView, "retrieve", watched)
    # No housekeeping in between: the tests' CONN_MAX_AGE=0 would close the connection.
    monkeypatch.setattr(polls, "_housekeeping_due", float("inf"))
    execution = execution_of(user)
    django, token = Django(), token_of(user)

    answers = [async_to_sync(poll)(ConditionalPolls(django), url(execution), authorization=token)
               for _ in range(2)]  # fmt: skip

    assert [answer["status"] for answer in answers] == [200, 200]
    assert django.calls == 0
    (thread, connection, database), again = seen
    assert thread.name.startswith("taskpulse-polls")
    assert again[0] is thread
    assert again[1] is connection
    assert again[2] is database is not None


@pytest.mark.parametrize(
    "case", ["POST", "HEAD", "logs", "flower", "any include", "view fails", "thread fails"]
)
def test_what_the_poll_thread_does_not_answer_goes_to_django(
    user: User, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    execution = execution_of(user)
    path, method, query = url(execution), "GET", b""
    if case in ("POST", "HEAD"):
        method = case
    elif case == "logs":
        path += "logs/"
    elif case == "flower":  # a call to Flower would hold up the polls queued behind it
        query = b"include=flower"
    elif case == "any include":
        query = b"include=everything"
    elif case == "view fails":  # a 500, maybe this thread's own (a broken connection)

        def fails(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("broken")

        monkeypatch.setattr(ExecutionDetailView, "retrieve", fails)
    elif case == "thread fails":

        def raises(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("broken")

        monkeypatch.setattr(polls.PollHandler, "get_response", raises)
    django = Django()

    answer = async_to_sync(poll)(ConditionalPolls(django), path, method, query,
                                 authorization=token_of(user))  # fmt: skip

    assert answer["status"] == 299
    assert django.calls == 1


def test_djangos_request_signals_do_nothing_the_poll_thread_needs() -> None:
    # PollHandler does not send them (see its docstring): a new receiver must be weighed there.
    import config.urls  # noqa: F401  (the views and all they connect)

    def receivers(signal: Any) -> set[str]:
        return {f"{r.__module__}.{r.__qualname__}" for r in chain(*signal._live_receivers(None))}

    assert receivers(request_started) == {"django.db.reset_queries",
                                          "django.db.close_old_connections"}  # fmt: skip
    assert receivers(request_finished) == {
        "django.db.close_old_connections",
        "django.core.cache.close_caches",
        "django.core.handlers.base.reset_urlconf",
    }
    assert all(type(cache).close is BaseCache.close for cache in caches.all())


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
    execution = execution_of(user)
    django = Django()

    answer = async_to_sync(poll)(ConditionalPolls(django), url(execution),
                                 cookie=session_cookie(user), authorization="Token not-a-token",
                                 if_none_match="*")  # fmt: skip

    assert (answer["status"], django.calls) == (304, 0)


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
