"""Who may open a WebSocket: an allowed Origin, then the Django session or a DRF token.

A browser authenticates with its session cookie. A script offers the subprotocols
`taskpulse` and `token.<key>` (or sends {"action": "auth", "token": ...} first, see the
consumer); a token is never read from the URL, where proxies and logs would keep it. An
Origin that HTTP's CSRF check would refuse is refused with 4403 (`authenticated_websockets`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, parse_cookie
from django.middleware.csrf import CsrfViewMiddleware

TOKEN_SUBPROTOCOL_PREFIX = "token."  # noqa: S105 - a prefix, not a secret
CLOSE_FORBIDDEN_ORIGIN = 4403


@database_sync_to_async
def user_for_token(key: str) -> User | None:
    """Called with a token key; returns its active user, or None.

    The user alone: through the Token, the User would keep it alive (the reverse one-to-one
    cache) for as long as the connection holding the user.
    """
    return User.objects.filter(auth_token__key=key, is_active=True).first()


def subprotocol_token(scope: dict[str, Any]) -> str | None:
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(TOKEN_SUBPROTOCOL_PREFIX):
            return protocol.removeprefix(TOKEN_SUBPROTOCOL_PREFIX)
    return None


def cookie_header(scope: dict[str, Any]) -> bytes | None:
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            return bytes(value)
    return None


def cookie_session_key(cookie: bytes) -> str | None:
    return parse_cookie(cookie.decode("latin1")).get(settings.SESSION_COOKIE_NAME) or None


async def session_user(cookie: bytes) -> User | AnonymousUser:
    """The user of the Django session named in this Cookie header, as Channels' AuthMiddleware
    finds it (the session's auth hash checked); the session is not kept."""
    key = cookie_session_key(cookie)
    if not key:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return await get_user({"session": store})


async def credentials_user(cookie: bytes | None, token: str | None) -> User | AnonymousUser:
    """The user of the session in `cookie`, else the active user of `token`."""
    user = await session_user(cookie) if cookie else AnonymousUser()
    if token and not user.is_authenticated:
        user = await user_for_token(token) or user
    return user


async def handshake_user(scope: dict[str, Any], *, browser: bool) -> User | AnonymousUser:
    """The session's user (a browser's only), else the `token.<key>` subprotocol's."""
    cookie = cookie_header(scope) if browser else None
    return await credentials_user(cookie, subprotocol_token(scope))


class HandshakeRequest(HttpRequest):
    """A WebSocket handshake as the HttpRequest that Django's CSRF check reads: its
    headers, its server, and its scheme (wss is https), so that `is_secure()` and
    SECURE_PROXY_SSL_HEADER mean what they mean for HTTP."""

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        for name, value in scope.get("headers") or []:
            key = name.decode("latin1").upper().replace("-", "_")
            self.META[f"HTTP_{key}"] = value.decode("latin1")
        host, port = scope.get("server") or ("unknown", 0)
        self.META["SERVER_NAME"], self.META["SERVER_PORT"] = host, str(port)
        self.secure_transport = scope.get("scheme") in ("wss", "https")

    def _get_scheme(self) -> str:
        return "https" if self.secure_transport else "http"


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether HTTP's CSRF check would accept this handshake's Origin: scheme, host and port
    of the request itself (a Host in ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS."""
    csrf = CsrfViewMiddleware(lambda request: HttpResponse())
    # Django's own rule rather than a copy of it: the socket and a POST accept the same
    # Origins. A private method (Django >= 4.0); test_consumers pins what it accepts.
    verified = csrf._origin_verified(HandshakeRequest(scope))  # type: ignore[attr-defined]
    return bool(verified)


def authenticated_websockets(application: Any) -> Any:
    """Lets in a handshake whose Origin passes HTTP's CSRF rule (others: 4403), and calls
    `application` with scope["user"]: the session's, the token's, or AnonymousUser.

    A browser always sends Origin, so a connection without one is a script: it may
    authenticate with a token, but its cookies are ignored, and dropped from its scope.
    One layer rather than Channels' AuthMiddlewareStack, whose cookie, session and auth
    middlewares each keep a copy of the scope (and the session) for as long as the
    connection lasts: the session is read once, here, and its user alone is kept.
    """
    forbidden = ForbiddenOriginConsumer.as_asgi()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        browser = any(name == b"origin" for name, _ in scope.get("headers") or [])
        if browser and not origin_allowed(scope):
            return await forbidden(scope, receive, send)
        scope = dict(scope, user=await handshake_user(scope, browser=browser))
        if not browser and cookie_header(scope) is not None:
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"cookie"]
        return await application(scope, receive, send)

    return app


class ForbiddenOriginConsumer(AsyncWebsocketConsumer):
    """Completes the handshake only to close with 4403, so that clients can tell why."""

    async def connect(self) -> None:
        """Called on the handshake: accept, then close at once."""
        await self.accept()
        await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
