"""Who may open a WebSocket: an allowed Origin, then the Django session or a DRF token.

A browser authenticates with its session cookie. A script offers the subprotocols
`taskpulse` and `token.<key>` (or sends {"action": "auth", "token": ...} first, see the
consumer); a token is never read from the URL, where proxies and logs would keep it. An
Origin that HTTP's CSRF check would refuse is refused with 4403 (`origin_validated`).
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.authtoken.models import Token

TOKEN_SUBPROTOCOL_PREFIX = "token."  # noqa: S105 - a prefix, not a secret
CLOSE_FORBIDDEN_ORIGIN = 4403


@database_sync_to_async
def user_for_token(key: str) -> User | None:
    """Called with a token key; returns its active user, or None."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def subprotocol_token(scope: dict[str, Any]) -> str | None:
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(TOKEN_SUBPROTOCOL_PREFIX):
            return protocol.removeprefix(TOKEN_SUBPROTOCOL_PREFIX)
    return None


class SubprotocolTokenMiddleware(BaseMiddleware):
    """Sets scope["user"] from a `token.<key>` subprotocol when the session gave no user."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        key = subprotocol_token(scope)
        if key and (user is None or not user.is_authenticated):
            scope = dict(scope, user=await user_for_token(key) or AnonymousUser())
        return await super().__call__(scope, receive, send)


def TokenAuthMiddlewareStack(inner: Any) -> Any:
    return AuthMiddlewareStack(SubprotocolTokenMiddleware(inner))


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


def origin_validated(application: Any) -> Any:
    """Lets in a handshake whose Origin passes HTTP's CSRF rule; answers others with 4403.

    A browser always sends Origin, so a connection without one is a script: it may
    authenticate with a token, but its cookies are dropped so that no session rides along.
    """
    forbidden = ForbiddenOriginConsumer.as_asgi()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        if b"origin" not in headers:
            cookieless = [(k, v) for k, v in scope.get("headers", []) if k != b"cookie"]
            return await application(dict(scope, headers=cookieless), receive, send)
        if origin_allowed(scope):
            return await application(scope, receive, send)
        return await forbidden(scope, receive, send)

    return app


class ForbiddenOriginConsumer(AsyncWebsocketConsumer):
    """Completes the handshake only to close with 4403, so that clients can tell why."""

    async def connect(self) -> None:
        """Called on the handshake: accept, then close at once."""
        await self.accept()
        await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
