"""Who may open a WebSocket: an allowed Origin, then the Django session or a DRF token.

A browser authenticates with its session cookie. A script offers the subprotocols
`taskpulse` and `token.<key>` (or sends {"action": "auth", "token": ...} first, see the
consumer); a token is never read from the URL, where proxies and logs would keep it. A
foreign Origin is refused with 4403 (`origin_validated`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser, User
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


def origin_validated(application: Any) -> Any:
    """Channels' AllowedHostsOriginValidator rules, answering a foreign Origin with 4403.

    A browser always sends Origin, so a connection without one is a script: it may
    authenticate with a token, but its cookies are dropped so that no session rides along.
    """
    validator = AllowedHostsOriginValidator(application)
    forbidden = ForbiddenOriginConsumer.as_asgi()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin")
        if origin is None:
            cookieless = [(k, v) for k, v in scope.get("headers", []) if k != b"cookie"]
            return await application(dict(scope, headers=cookieless), receive, send)
        if validator.valid_origin(urlparse(origin.decode("latin1"))):
            return await application(scope, receive, send)
        return await forbidden(scope, receive, send)

    return app


class ForbiddenOriginConsumer(AsyncWebsocketConsumer):
    """Completes the handshake only to close with 4403, so that clients can tell why."""

    async def connect(self) -> None:
        """Called on the handshake: accept, then close at once."""
        await self.accept()
        await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
