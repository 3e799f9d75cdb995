"""Polls of one execution, answered on one long-lived thread instead of a thread each.

A client without a WebSocket polls GET /api/tasks/executions/<id>/, with If-None-Match once
it has an ETag. Under ASGI, Django runs each request in a thread of its own with a database
connection of its own (ThreadSensitiveContext): most of a poll's cost was opening that
connection (make bench). This ASGI wrapper answers those GETs on one long-lived thread that
keeps its connection (CONN_MAX_AGE):

- first a 304, without Django's request cycle, when it can prove it:
  - the caller is authenticated as DRF would authenticate them: the session first, then an
    `Authorization: Token <key>` header (DRF's own TokenAuthentication parses it);
  - the execution is visible to them (selectors.execution_visible_to; for a token, the
    same rule in one statement with the token's lookup, selectors.execution_seq_for_token);
  - its ETag (from `seq`) matches If-None-Match;
- else Django's own answer (200, 304, 400, 401, 403, 404): Django's synchronous handler,
  the project's middleware, URLs and views built once for that thread (PollHandler), and
  the request read and the answer written by ASGIHandler's own code, so that status,
  headers, cookies and body are the ones Django's ASGI handler would send.

Django's ASGI handler still gets, untouched: other paths and methods; `?include=...` (a
call to Flower, up to FLOWER_TIMEOUT, would hold up every poll queued behind it); and a
request the thread failed to answer (an exception, or a 5xx that may be this thread's own,
e.g. a broken connection that the next housekeeping() drops), as long as nothing was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import User
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponseBase
from django.http.cookie import parse_cookie
from django.urls import set_script_prefix
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from config.api.etags import CACHE_CONTROL, VARY, etag_matches, execution_etag
from task_manager import selectors

logger = logging.getLogger(__name__)

# [0-9], not \d: Django's <int:pk> takes ASCII digits only.
DETAIL_PATH = re.compile(r"/api/tasks/executions/([0-9]+)/")

# One thread: the work is short and holds the GIL; more threads only queue for it.
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taskpulse-polls")
# How often that thread does what Django does at every request's start and end
# (close_old_connections: CONN_MAX_AGE, and a health check on PostgreSQL, one more round
# trip): once a second, not once a poll.
HOUSEKEEPING_SECONDS = 1.0
_housekeeping_due = 0.0


def session_user(cookie_header: str) -> User | None:
    """The active user of the session cookie, as Django's AuthenticationMiddleware finds it."""
    key = parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user = get_user(request)
    return user if isinstance(user, User) and user.is_active else None


class TokenKey(TokenAuthentication):
    """DRF's own parsing of `Authorization: Token <key>`; the key is checked by the query."""

    def authenticate_credentials(self, key: str) -> tuple[None, str]:
        return None, key


def token_key(authorization: str) -> str | None:
    request = HttpRequest()
    request.META["HTTP_AUTHORIZATION"] = authorization
    try:
        found = TokenKey().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None
    return found[1] if found is not None else None


def unchanged_etag(execution_id: int, if_none_match: str, cookie: str, authorization: str) -> (
    str | None
):  # fmt: skip
    """The execution's ETag when the caller may see it and it matches; else None."""
    user = session_user(cookie) if cookie else None
    if user is not None:
        seq = selectors.execution_seq_visible_to(user=user, execution_id=execution_id)
    elif key := token_key(authorization):
        seq = selectors.execution_seq_for_token(key=key, execution_id=execution_id)
    else:
        return None
    if seq is None:
        return None
    etag = execution_etag(execution_id, seq)
    return etag if etag_matches(if_none_match, etag) else None


def housekeeping() -> None:
    """Drop this thread's connections when too old or broken (see HOUSEKEEPING_SECONDS)."""
    global _housekeeping_due
    now = time.monotonic()
    if now >= _housekeeping_due:
        close_old_connections()
        _housekeeping_due = now + HOUSEKEEPING_SECONDS


def header(scope: dict[str, Any], name: bytes) -> str:
    """A request header's value; repeated ones joined as HTTP joins them (Cookie with ";")."""
    values = [value for key, value in scope["headers"] if key == name]
    return (b"; " if name == b"cookie" else b", ").join(values).decode("latin-1")


class PollHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain built for synchronous calls.

    create_request and send_response stay ASGIHandler's, so that a request is read and an
    answer written as Django's ASGI handler does; get_response (BaseHandler's) runs the
    middleware and the view on the calling thread, the poll thread.

    Django's request_started and request_finished are not sent (see close()). Their
    receivers are Django's own, and test_polls fails if another is connected:
    close_old_connections at both ends, which housekeeping() runs once a second instead (at
    every request it would cost a PostgreSQL health check or, with CONN_MAX_AGE=0 as with
    its pool and in the tests, a new connection per request: what this thread saves);
    reset_queries (DEBUG's query log, bounded anyway); close_caches (a no-op for the Redis
    cache); reset_urlconf (get_response sets the urlconf again at every request).
    """

    def __init__(self) -> None:  # not ASGIHandler's: it builds the chain for async calls
        self.load_middleware(is_async=False)


@functools.cache
def poll_handler() -> PollHandler:
    """Built on first use, on the poll thread: loading the middleware touches settings."""
    return PollHandler()


def close(response: HttpResponseBase) -> None:
    """HttpResponse.close() without its request_finished signal (see PollHandler)."""
    for closer in response._resource_closers:  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):  # as Django's close() does
            closer()


def answer(scope: dict[str, Any], execution_id: int) -> str | HttpResponseBase | None:
    """On the poll thread: a provable 304's ETag, else Django's response, else None."""
    housekeeping()
    if_none_match = header(scope, b"if-none-match")
    if if_none_match:
        etag = unchanged_etag(execution_id, if_none_match, header(scope, b"cookie"),
                              header(scope, b"authorization"))  # fmt: skip
        if etag is not None:
            return etag
    handler = poll_handler()
    set_script_prefix(get_script_prefix(scope))
    request, invalid = handler.create_request(scope, io.BytesIO())  # a GET: no body
    if request is None:
        return invalid  # 400, as Django's ASGI handler answers it
    if "include" in request.GET:  # a call to Flower: not on this thread (module docstring)
        return None
    response = handler.get_response(request)
    if response.status_code >= 500:  # maybe this thread's own: Django's ASGI handler tries
        close(response)
        return None
    return response


class Watched:
    """An ASGI send that remembers whether anything was sent."""

    def __init__(self, send: Any) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Mapping[str, Any]) -> None:
        self.started = True
        await self.send(message)


class ConditionalPolls:
    """ASGI middleware: GETs of an execution answered on the poll thread; the rest to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        match = DETAIL_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        watched = Watched(send)
        try:
            answered = await asyncio.get_running_loop().run_in_executor(
                _pool, answer, scope, int(match[1])
            )
            if isinstance(answered, str):
                return await not_modified(watched, answered)
            if answered is not None:
                try:
                    return await poll_handler().send_response(answered, watched)
                finally:
                    close(answered)
        except Exception:
            if watched.started:
                raise
            logger.exception("poll of %s", scope["path"])  # Django answers instead
        return await self.app(scope, receive, send)


async def not_modified(send: Any, etag: str) -> None:
    headers = [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode()),
               (b"vary", ", ".join(VARY).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
