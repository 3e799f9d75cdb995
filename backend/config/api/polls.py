"""Conditional polls of one execution, answered before Django's request cycle.

A client without a WebSocket polls GET /api/tasks/executions/<id>/ with If-None-Match, and
nearly every answer is "304, nothing changed". Under ASGI, Django runs each request in a
thread of its own with a database connection of its own: most of a poll's cost was opening
that connection (make bench). This ASGI wrapper answers the 304 itself, on a small pool of
long-lived threads that keep their connections (CONN_MAX_AGE), when it can prove it:

- the caller is authenticated as DRF would authenticate them: the session first, then an
  `Authorization: Token <key>` header (DRF's own TokenAuthentication parses it);
- the execution is visible to them (selectors.execution_visible_to; for a token, the same
  rule in one statement with the token's lookup, selectors.execution_seq_for_token);
- its ETag (from `seq`) matches If-None-Match.

Every other request (no If-None-Match, a changed execution, bad credentials, another
user's execution) goes to Django untouched, which answers as it always did: 200, 401, 404.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import User
from django.db import close_old_connections
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from config.api.etags import CACHE_CONTROL, VARY, etag_matches, execution_etag
from task_manager import selectors

logger = logging.getLogger(__name__)

DETAIL_PATH = re.compile(r"/api/tasks/executions/(\d+)/")

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
    housekeeping()
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


class ConditionalPolls:
    """ASGI middleware: 304s for unchanged executions; everything else to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        match = DETAIL_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is not None and scope["method"] == "GET":
            if_none_match = header(scope, b"if-none-match")
            if if_none_match:
                try:
                    etag = await asyncio.get_running_loop().run_in_executor(
                        _pool, unchanged_etag, int(match[1]), if_none_match,
                        header(scope, b"cookie"), header(scope, b"authorization"),
                    )  # fmt: skip
                except Exception:  # Django answers instead, with its own error handling
                    logger.exception("conditional poll of %s", scope["path"])
                    etag = None
                if etag is not None:
                    return await not_modified(send, etag)
        return await self.app(scope, receive, send)


async def not_modified(send: Any, etag: str) -> None:
    headers = [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode()),
               (b"vary", ", ".join(VARY).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
