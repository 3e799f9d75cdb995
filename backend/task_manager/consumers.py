"""The WebSocket endpoint /ws/tasks/: live executions, log lines and notifications.

Protocol (API.md): the client sends {"action": "auth" | "subscribe" | "unsubscribe" |
"ping", ...}; the server sends typed messages (hello, task.status, task.progress, task.log,
notification, pong, error). Group names come from the authenticated user only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from config.api import untrusted_json
from config.api.inputs import MAX_DB_INTEGER
from task_manager import counters, events
from task_manager.access import session_digest
from task_manager.auth import (
    cookie_header,
    cookie_session_key,
    credentials_user,
    subprotocol_token,
    user_for_token,
)
from task_manager.models import TaskExecution, TaskLogLine
from task_manager.payloads import log_event, status_event
from task_manager.selectors import execution_log_lines, execution_visible_to

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCESS_CHANGED = 4409
SUBPROTOCOL = "taskpulse"
MAX_FRAME_CHARS = 16 * 1024
MAX_SUBSCRIPTIONS = 200
MAX_TRACKED_SEQS = 10_000
REPLAY_BATCH = 500
DATABASE_FREE_EVENTS = frozenset({"task.status", "task.progress", "task.log", "notification"})


class ProtocolError(Exception):
    """A client message we answer with {"type": "error"}; the connection stays open."""


def _whole_number(content: dict[str, Any], key: str) -> int:
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DB_INTEGER:
        raise ProtocolError(f"'{key}' must be a non-negative integer (at most {MAX_DB_INTEGER})")
    return value


@database_sync_to_async
def _visible_execution(user: User, execution_id: int) -> TaskExecution | None:
    return execution_visible_to(user=user).filter(pk=execution_id).first()


@database_sync_to_async
def _log_lines_after(execution_id: int, since_seq: int, upto_seq: int) -> list[TaskLogLine]:
    lines = execution_log_lines(execution_id=execution_id, after_seq=since_seq, upto_seq=upto_seq)
    return list(lines)


class TaskEventsConsumer(AsyncWebsocketConsumer):
    """One connection per browser tab; see the module docstring for the protocol."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: User | None = None
        self.token: str | None = None  # the key of an `auth` message that authenticated
        # Made at first use: most connections are idle, and thousands of them are open.
        # execution id -> the log seq replayed up to (0: none), for each subscription.
        self.subscriptions: dict[int, int] | None = None
        self.state_seq: dict[int, int] | None = None  # the last seq sent, per execution
        self.auth_timeout: asyncio.Task[None] | None = None
        self.closing = False
        self.counted = False  # in counters.websockets

    async def connect(self) -> None:
        """Called on the handshake: accept, then authenticate (session, subprotocol or message)."""
        offered = self.scope.get("subprotocols") or []
        self.counted = True
        counters.websockets.add(1)
        await self.accept(SUBPROTOCOL if SUBPROTOCOL in offered else None)
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await self.authenticated(user)
        else:
            self.auth_timeout = asyncio.create_task(self.close_unless_authenticated())

    async def close_unless_authenticated(self) -> None:
        await asyncio.sleep(settings.TASKPULSE_WS_AUTH_TIMEOUT)
        if self.user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def authenticated(self, user: User) -> None:
        self.user = user
        if self.auth_timeout is not None:
            self.auth_timeout.cancel()
            self.auth_timeout = None
        for group in self.user_groups():
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json(
            {
                "type": "hello",
                "user": {"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff},
                "server_time": timezone.now().isoformat(),
            }
        )

    def user_groups(self) -> list[str]:
        """The groups of the authenticated user: its executions (staff: all), its notifications."""
        user = self.user
        if user is None:
            return []
        executions = (
            events.ALL_EXECUTIONS_GROUP if user.is_staff else events.user_executions_group(user.pk)
        )
        return [executions, events.user_notifications_group(user.pk)]

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Called to end the connection, once: frames the client sent meanwhile are dropped.

        uvicorn still delivers frames that arrived before the close went out, and raises on
        anything sent after it (an `auth` right behind a `ping` would send a hello).
        """
        if not self.closing:
            self.closing = True
            await super().close(code=code, reason=reason)

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Called for every message to the client; none once the connection is closing."""
        if not self.closing:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def disconnect(self, code: int) -> None:
        """Called when the socket closes: leave every group (those of the user, then those of
        the subscriptions; leaving one never joined does nothing)."""
        if self.auth_timeout is not None:
            self.auth_timeout.cancel()
        if self.counted:
            self.counted = False
            counters.websockets.add(-1)
        groups = self.user_groups()
        groups += [events.execution_group(i) for i in self.subscriptions or ()]
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- client messages ---------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Called with each frame: parse, dispatch, and answer mistakes with an error."""
        if self.closing:
            return
        try:
            content = self.parse(text_data, bytes_data)
            action = content.get("action")
            if action == "auth":
                await self.action_auth(content)
            elif self.user is None:
                await self.close(code=CLOSE_UNAUTHENTICATED)
            elif action == "subscribe":
                await self.action_subscribe(content)
            elif action == "unsubscribe":
                await self.action_unsubscribe(content)
            elif action == "ping":
                await self.send_json({"type": "pong"})
            else:
                raise ProtocolError(f"unknown action {action!r}")
        except ProtocolError as error:
            await self.send_json({"type": "error", "detail": str(error)})

    def parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        if text_data is None:
            raise ProtocolError("binary frames are not supported; send JSON text")
        if len(text_data) > MAX_FRAME_CHARS:
            raise ProtocolError(f"message too large (over {MAX_FRAME_CHARS} characters)")
        try:
            content = untrusted_json.loads(text_data)
        except ValueError as exc:
            raise ProtocolError(f"malformed JSON: {exc}") from None
        if not isinstance(content, dict):
            raise ProtocolError('a message must be a JSON object with an "action"')
        return content

    async def action_auth(self, content: dict[str, Any]) -> None:
        if self.user is not None:
            raise ProtocolError("already authenticated")
        token = content.get("token")
        user = await user_for_token(token) if isinstance(token, str) and token else None
        if user is None:
            await self.send_json({"type": "error", "detail": "invalid token"})
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.token = token
        await self.authenticated(user)

    async def action_subscribe(self, content: dict[str, Any]) -> None:
        assert self.user is not None
        execution_id = _whole_number(content, "execution_id")
        since_seq = None
        if content.get("since_seq") is not None:
            since_seq = _whole_number(content, "since_seq")
        subscriptions = self.subscriptions
        if subscriptions is None:
            subscriptions = self.subscriptions = {}
        if execution_id not in subscriptions and len(subscriptions) >= MAX_SUBSCRIPTIONS:
            raise ProtocolError(f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection")
        execution = await _visible_execution(self.user, execution_id)
        if execution is None:
            raise ProtocolError(f"execution {execution_id} not found")
        # Noted before the join, so that a disconnect from here on leaves the group.
        subscriptions.setdefault(execution_id, 0)
        # Join first, then read: a change made in between arrives live and is dropped by
        # seq below, so the client gets no gap and no duplicate.
        await self.channel_layer.group_add(events.execution_group(execution_id), self.channel_name)
        execution = await _visible_execution(self.user, execution_id)
        assert execution is not None
        await self.send_state(status_event(execution))
        if since_seq is not None:
            await self.replay_logs(execution_id, since_seq, execution.seq)
            subscriptions[execution_id] = execution.seq  # live lines up to it were replayed

    async def replay_logs(self, execution_id: int, since_seq: int, upto_seq: int) -> None:
        lines = await _log_lines_after(execution_id, since_seq, upto_seq)
        for start in range(0, len(lines), REPLAY_BATCH):
            await self.send_json(log_event(execution_id, lines[start : start + REPLAY_BATCH]))

    async def action_unsubscribe(self, content: dict[str, Any]) -> None:
        execution_id = _whole_number(content, "execution_id")
        if self.subscriptions is not None:
            self.subscriptions.pop(execution_id, None)
        group = events.execution_group(execution_id)
        await self.channel_layer.group_discard(group, self.channel_name)

    # --- channel-layer events (type "task.status" -> task_status, ...) --------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Called with every message; events that only forward their content skip the DB hop.

        Channels runs close_old_connections() on the process's one sync thread before each
        handler: for an event fanned out to N connections that is N hops in a row, the
        largest cost of a fan-out (make bench). These handlers never touch the database.
        """
        if message.get("type") in DATABASE_FREE_EVENTS:
            await getattr(self, message["type"].replace(".", "_"))(message)
        else:
            await super().dispatch(message)

    async def task_status(self, event: dict[str, Any]) -> None:
        """Called for a status change of a visible execution."""
        await self.send_state(event)

    async def task_progress(self, event: dict[str, Any]) -> None:
        """Called for a progress change of a visible execution."""
        await self.send_state(event)

    async def task_log(self, event: dict[str, Any]) -> None:
        """Called with new log lines of a subscribed execution."""
        replayed = (self.subscriptions or {}).get(event["execution_id"], 0)
        lines = [line for line in event["lines"] if line["seq"] > replayed]
        if lines:
            await self.send_json({**event, "lines": lines})

    async def notification(self, event: dict[str, Any]) -> None:
        """Called with a new notification of this user."""
        await self.send_json(event)

    async def user_access(self, event: dict[str, Any]) -> None:
        """Called when this user's access may have changed (task_manager.access): the
        connection's credentials are checked again, as its handshake checked them.

        No longer valid (user deactivated or deleted, password changed, token revoked, this
        session logged out): close 4401. Staff granted or withdrawn: close 4409, and the
        client's reconnection joins the groups of the new role.
        """
        if self.user is None or self.closing:
            return
        if self.token is not None:
            user = await user_for_token(self.token)
        else:
            cookie = cookie_header(self.scope)  # a browser's: a script's were dropped
            ended = event.get("ended_session")
            if cookie and ended and (key := cookie_session_key(cookie)):
                cookie = None if session_digest(key) == ended else cookie
            user = await credentials_user(cookie, subprotocol_token(self.scope))
        if user is None or not user.is_authenticated or user.pk != self.user.pk:
            await self.close(code=CLOSE_UNAUTHENTICATED)
        elif user.is_staff != self.user.is_staff:
            await self.close(code=CLOSE_ACCESS_CHANGED)

    async def send_state(self, event: dict[str, Any]) -> None:
        """Forward a status or progress message unless a newer state was already sent.

        From the channel layer it carries its JSON text (events.on_the_wire), sent as is.
        """
        execution_id, seq = event["execution_id"], event["seq"]
        sent = self.state_seq
        if sent is None:
            sent = self.state_seq = {}
        elif seq <= sent.get(execution_id, -1):
            return
        sent.pop(execution_id, None)
        sent[execution_id] = seq
        if len(sent) > MAX_TRACKED_SEQS:
            del sent[next(iter(sent))]
        await self.send(text_data=event.get("text") or events.encode(event))

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=events.encode(content))
