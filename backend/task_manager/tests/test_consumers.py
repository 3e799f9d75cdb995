"""The WebSocket edge (/ws/tasks/) in process: origin, authentication, the client's actions
and the events it is sent, through Channels' WebsocketCommunicator on an in-memory layer.

test_live_events covers the same endpoint end to end, with a real server, worker and Redis.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import path
from rest_framework.authtoken.models import Token

from task_manager import consumers, events
from task_manager.access import session_digest
from task_manager.auth import authenticated_websockets, user_for_token
from task_manager.models import TaskExecution
from task_manager.routing import websocket_urlpatterns
from task_manager.tests.factories import make_execution, make_log_lines
from testing.communicator import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads on its own thread

ORIGIN = "http://localhost"
NOT_WHOLE = "must be a non-negative integer"
TOO_BIG = str(2**63)
HUGE = "9" * 90  # a group name made of it would be past Channels' 100 characters


@pytest.fixture(autouse=True)
def in_memory_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.ALLOWED_HOSTS = ["localhost"]


@pytest.fixture
def token(user: User) -> str:
    return Token.objects.create(user=user).key


@pytest.fixture
def staff_token(staff_user: User) -> str:
    return Token.objects.create(user=staff_user).key


def communicator(
    *, origin: str | None = ORIGIN, token: str | None = None, cookie: str | None = None,
    host: str = "localhost", scheme: str = "ws", extra: list[tuple[bytes, bytes]] | None = None,
) -> WebsocketCommunicator:  # fmt: skip
    """A client of the whole WebSocket stack, as config.asgi builds it."""
    application = authenticated_websockets(URLRouter(websocket_urlpatterns))
    headers = [(b"host", host.encode()), *(extra or [])]
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    subprotocols = ["taskpulse", f"token.{token}"] if token else []
    client = WebsocketCommunicator(application, "/ws/tasks/", headers, subprotocols)
    client.scope["scheme"] = scheme
    return client


# How long a test waits for an answer that must come: a bound for a loaded machine (CI beside
# other work on 2 cores), not a measure; what must not come is checked with receive_nothing.
WAIT = 10


async def connected(**kwargs: Any) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """An authenticated client, and the hello it got."""
    client = communicator(**kwargs)
    accepted, _ = await client.connect(WAIT)
    assert accepted
    return client, await client.receive_json_from(WAIT)


async def session_cookie(user: User) -> str:
    """The Cookie header of a browser signed in as `user` (a new session each time)."""
    browser = Client()
    await database_sync_to_async(browser.force_login)(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={browser.cookies[name].value}"


def change_password(user: User) -> None:
    user.set_password("a-new-password-2")
    user.save()


async def scope_given_to_the_consumer(
    *, origin: str | None, cookie: str | None = None, token: str | None = None
) -> dict[str, Any]:
    """The scope that authenticated_websockets hands on, for a handshake with these headers."""
    handed: list[dict[str, Any]] = []

    async def consumer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        handed.append(scope)

    headers = [(b"host", b"localhost")]
    headers += [(b"origin", origin.encode())] if origin else []
    headers += [(b"cookie", cookie.encode())] if cookie else []
    scope = {
        "type": "websocket", "path": "/ws/tasks/", "headers": headers, "scheme": "ws",
        "server": ("localhost", 80), "subprotocols": [f"token.{token}"] if token else [],
    }  # fmt: skip
    await authenticated_websockets(consumer)(scope, None, None)
    return handed[0]


async def closed_with(client: WebsocketCommunicator) -> int:
    output = await client.receive_output(WAIT)
    assert output["type"] == "websocket.close", output
    return int(output["code"])


async def send(client: WebsocketCommunicator, content: dict[str, Any]) -> None:
    await client.send_to(text_data=json.dumps(content))


def state_event(kind: str, execution_id: int, seq: int) -> dict[str, Any]:
    """A status or progress event as the channel layer carries it."""
    event = {"type": kind, "execution_id": execution_id, "seq": seq, "progress": float(seq)}
    return events.on_the_wire(event)


# --- who may connect ----------------------------------------------------------------------


async def test_a_connection_without_credentials_is_closed_4401_when_it_speaks() -> None:
    client = communicator()
    accepted, _ = await client.connect(WAIT)
    assert accepted  # accepted first, so that a script may still send its token

    await send(client, {"action": "ping"})

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_silent_unauthenticated_connection_is_closed_4401(settings) -> None:
    settings.TASKPULSE_WS_AUTH_TIMEOUT = 0.05
    client = communicator()
    await client.connect(WAIT)

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_deeply_nested_frame_before_auth_gets_an_error_and_auth_still_works(
    token: str,
) -> None:
    client = communicator()
    await client.connect(WAIT)

    await client.send_to(text_data="[" * 5000 + "]" * 5000)
    error = await client.receive_json_from(WAIT)
    await send(client, {"action": "auth", "token": token})

    assert error == {"type": "error", "detail": "malformed JSON: nested deeper than 64 levels"}
    assert (await client.receive_json_from(WAIT))["type"] == "hello"
    await client.disconnect()


async def test_nothing_is_sent_after_the_server_closed(token: str) -> None:
    client = communicator(origin=None)
    await client.connect(WAIT)

    await send(client, {"action": "ping"})  # not authenticated: closed 4401
    await send(client, {"action": "auth", "token": token})  # sent before the close arrived

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED
    assert await client.receive_nothing()


async def test_a_bad_token_gets_an_error_then_4401() -> None:
    client = communicator()
    await client.connect(WAIT)

    await send(client, {"action": "auth", "token": "not-a-token"})

    assert await client.receive_json_from(WAIT) == {"type": "error", "detail": "invalid token"}
    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_token_subprotocol_authenticates_and_gets_hello(user: User, token: str) -> None:
    client = communicator(token=token)

    accepted, subprotocol = await client.connect(WAIT)
    hello = await client.receive_json_from(WAIT)

    assert (accepted, subprotocol) == (True, "taskpulse")
    assert hello["type"] == "hello"
    assert hello["user"] == {"id": user.pk, "username": "ana", "is_staff": False}
    assert hello["server_time"]
    await client.disconnect()


async def test_a_token_in_the_first_message_authenticates(user: User, token: str) -> None:
    client = communicator(origin=None)  # a script: no Origin
    await client.connect(WAIT)

    await send(client, {"action": "auth", "token": token})
    hello = await client.receive_json_from(WAIT)

    assert (hello["type"], hello["user"]["id"]) == ("hello", user.pk)
    await send(client, {"action": "auth", "token": token})
    answer = await client.receive_json_from(WAIT)
    assert answer == {"type": "error", "detail": "already authenticated"}
    await client.disconnect()


async def test_a_browser_session_authenticates(user: User) -> None:
    client, hello = await connected(cookie=await session_cookie(user))

    assert hello["user"]["id"] == user.pk
    await client.disconnect()


async def test_a_session_without_origin_is_not_trusted(user: User) -> None:
    client = communicator(origin=None, cookie=await session_cookie(user))
    await client.connect(WAIT)

    await send(client, {"action": "ping"})  # the cookie was dropped: unauthenticated

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_browser_session_scope_keeps_the_user_not_the_session(user: User) -> None:
    scope = await scope_given_to_the_consumer(origin=ORIGIN, cookie=await session_cookie(user))

    assert type(scope["user"]) is User  # not a lazy object holding on to the session
    assert scope["user"].pk == user.pk
    assert "session" not in scope
    assert "cookies" not in scope


async def test_a_session_connection_keeps_working_without_its_session(user: User) -> None:
    execution = await database_sync_to_async(make_execution)(user=user)
    client, _ = await connected(cookie=await session_cookie(user))

    await send(client, {"action": "subscribe", "execution_id": execution.pk})
    status = await client.receive_json_from(WAIT)
    await send(client, {"action": "ping"})

    assert (status["type"], status["execution_id"]) == ("task.status", execution.pk)
    assert await client.receive_json_from(WAIT) == {"type": "pong"}
    await client.disconnect()


async def test_a_session_whose_password_changed_no_longer_authenticates(user: User) -> None:
    cookie = await session_cookie(user)
    await database_sync_to_async(change_password)(user)
    client = communicator(cookie=cookie)
    await client.connect(WAIT)
    await send(client, {"action": "ping"})

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_scripts_cookie_is_dropped_from_its_scope(user: User, token: str) -> None:
    scope = await scope_given_to_the_consumer(origin=None, cookie="sessionid=x", token=token)

    assert scope["user"].pk == user.pk
    assert [name for name, _ in scope["headers"] if name == b"cookie"] == []


async def test_an_inactive_users_token_is_refused(user: User, token: str) -> None:
    user.is_active = False
    await database_sync_to_async(user.save)()
    client = communicator(token=token)
    await client.connect(WAIT)

    await send(client, {"action": "ping"})

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_tokens_user_comes_without_its_token(user: User, token: str) -> None:
    found = await user_for_token(token)

    assert found is not None
    assert found.pk == user.pk
    assert found._state.fields_cache == {}  # no Token kept alive by the connection's user


async def test_a_foreign_origin_is_closed_4403(token: str) -> None:
    client = communicator(origin="http://evil.example", token=token)

    accepted, _ = await client.connect(WAIT)

    assert accepted  # completed, so that the client can read why it is closed
    assert await closed_with(client) == 4403


@pytest.mark.parametrize(
    ("host", "scheme", "origin"),
    [
        ("localhost", "ws", "http://localhost:9999"),  # another port
        ("localhost", "ws", "https://localhost"),  # another scheme
        ("localhost", "wss", "http://localhost"),
        ("localhost:8000", "ws", "http://LOCALHOST:1"),
        ("localhost:8000", "ws", "http://localhost"),
        ("evil.example", "ws", "http://evil.example"),  # a Host not in ALLOWED_HOSTS
        ("localhost", "ws", "null"),
    ],
)
async def test_an_origin_that_http_csrf_refuses_is_closed_4403(
    token: str, host: str, scheme: str, origin: str
) -> None:
    client = communicator(origin=origin, host=host, scheme=scheme, token=token)
    await client.connect(WAIT)

    assert await closed_with(client) == 4403


@pytest.mark.parametrize(
    ("host", "scheme", "origin", "extra"),
    [
        ("localhost:8000", "ws", "http://localhost:8000", []),
        ("localhost", "wss", "https://localhost", []),
        ("localhost", "ws", "https://app.example", []),  # CSRF_TRUSTED_ORIGINS
        ("localhost", "ws", "https://eu.trusted.example", []),  # a trusted wildcard
        ("localhost", "ws", "https://localhost", [(b"x-forwarded-proto", b"https")]),
    ],
)
async def test_the_origins_that_http_csrf_accepts_get_hello(
    settings, token: str, host: str, scheme: str, origin: str, extra: list
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example", "https://*.trusted.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    client, hello = await connected(
        origin=origin, host=host, scheme=scheme, token=token, extra=extra
    )

    assert hello["type"] == "hello"
    await client.disconnect()


# --- the client's actions -----------------------------------------------------------------


async def test_subscribe_to_an_own_execution_sends_its_state_then_the_missed_lines(
    user: User, token: str
) -> None:
    execution = await database_sync_to_async(make_execution)(user=user, status="PROGRESS")
    await database_sync_to_async(make_log_lines)(execution, 3)
    client, _ = await connected(token=token)

    await send(client, {"action": "subscribe", "execution_id": execution.pk, "since_seq": 1})
    status = await client.receive_json_from(WAIT)
    log = await client.receive_json_from(WAIT)

    assert (status["type"], status["execution_id"], status["seq"]) == (
        "task.status", execution.pk, 3,
    )  # fmt: skip
    assert status["execution"]["status"] == "PROGRESS"
    assert log["type"] == "task.log"
    assert [line["seq"] for line in log["lines"]] == [2, 3]
    await client.disconnect()


async def test_subscribe_without_since_seq_replays_nothing(user: User, token: str) -> None:
    execution = await database_sync_to_async(make_execution)(user=user)
    await database_sync_to_async(make_log_lines)(execution, 2)
    client, _ = await connected(token=token)

    await send(client, {"action": "subscribe", "execution_id": execution.pk})

    assert (await client.receive_json_from(WAIT))["type"] == "task.status"
    assert await client.receive_nothing()
    await client.disconnect()


async def test_a_foreign_execution_is_an_error_and_the_connection_stays_open(
    other_user: User, token: str
) -> None:
    theirs = await database_sync_to_async(make_execution)(user=other_user)
    client, _ = await connected(token=token)

    await send(client, {"action": "subscribe", "execution_id": theirs.pk})

    assert await client.receive_json_from(WAIT) == {
        "type": "error", "detail": f"execution {theirs.pk} not found",
    }  # fmt: skip
    await send(client, {"action": "ping"})
    assert await client.receive_json_from(WAIT) == {"type": "pong"}
    await client.disconnect()


async def test_staff_may_subscribe_to_any_execution(user: User, staff_token: str) -> None:
    execution = await database_sync_to_async(make_execution)(user=user)
    client, hello = await connected(token=staff_token)

    await send(client, {"action": "subscribe", "execution_id": execution.pk})

    assert hello["user"]["is_staff"] is True
    assert (await client.receive_json_from(WAIT))["execution_id"] == execution.pk
    await client.disconnect()


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("{not json", "malformed JSON: Expecting property name"),
        ("[" * 1000 + "]" * 1000, "malformed JSON: nested deeper than 64 levels"),
        ('{"action": "ping", "n": NaN}', "malformed JSON: NaN is not a JSON number"),
        ("[1, 2]", 'a message must be a JSON object with an "action"'),
        ('{"action": "dance"}', "unknown action 'dance'"),
        ('{"action": "subscribe", "execution_id": "7"}', f"'execution_id' {NOT_WHOLE}"),
        ('{"action": "subscribe", "execution_id": 7, "since_seq": -1}', f"'since_seq' {NOT_WHOLE}"),
        ('{"action": "unsubscribe", "execution_id": true}', f"'execution_id' {NOT_WHOLE}"),
        ('{"action": "unsubscribe", "execution_id": ' + HUGE + "}", f"'execution_id' {NOT_WHOLE}"),
        ('{"action": "subscribe", "execution_id": ' + TOO_BIG + "}", f"'execution_id' {NOT_WHOLE}"),
    ],
)  # fmt: skip
async def test_a_malformed_message_gets_an_error_and_the_connection_stays_open(
    token: str, frame: str, detail: str
) -> None:
    client, _ = await connected(token=token)

    await client.send_to(text_data=frame)

    error = await client.receive_json_from(WAIT)
    assert error["type"] == "error"
    assert error["detail"].startswith(detail)
    await send(client, {"action": "ping"})
    assert await client.receive_json_from(WAIT) == {"type": "pong"}
    await client.disconnect()


async def test_binary_and_oversized_frames_get_errors(token: str) -> None:
    client, _ = await connected(token=token)

    await client.send_to(bytes_data=b"\x00\x01")
    binary = await client.receive_json_from(WAIT)
    await client.send_to(text_data=" " * (consumers.MAX_FRAME_CHARS + 1))
    oversized = await client.receive_json_from(WAIT)

    assert binary["detail"] == "binary frames are not supported; send JSON text"
    assert oversized["detail"].startswith("message too large")
    await client.disconnect()


# --- what the server sends ----------------------------------------------------------------


async def test_state_events_of_own_executions_arrive_once_in_seq_order(
    user: User, token: str
) -> None:
    client, _ = await connected(token=token)
    layer = get_channel_layer()
    group = events.user_executions_group(user.pk)

    for seq in (5, 4, 5, 6):  # a late 4 and a repeated 5 are dropped
        await layer.group_send(group, state_event("task.progress", 42, seq))

    assert [(await client.receive_json_from(WAIT))["seq"] for _ in range(2)] == [5, 6]
    assert await client.receive_nothing()
    await client.disconnect()


async def test_staff_see_every_execution_and_users_only_their_own(
    token: str, staff_token: str
) -> None:
    mine, _ = await connected(token=token)
    staff, _ = await connected(token=staff_token)

    await get_channel_layer().group_send(
        events.ALL_EXECUTIONS_GROUP, state_event("task.status", 7, 1)
    )

    assert (await staff.receive_json_from(WAIT))["execution_id"] == 7
    assert await mine.receive_nothing()
    await mine.disconnect()
    await staff.disconnect()


async def test_log_lines_reach_only_subscribed_connections(user: User, token: str) -> None:
    execution: TaskExecution = await database_sync_to_async(make_execution)(user=user)
    client, _ = await connected(token=token)
    layer = get_channel_layer()
    group = events.execution_group(execution.pk)
    lines = [{"seq": 1, "ts": None, "level": "INFO", "message": "one"}]
    log = {"type": "task.log", "execution_id": execution.pk, "seq": 1, "lines": lines}

    await layer.group_send(group, log)
    assert await client.receive_nothing()  # not subscribed
    await send(client, {"action": "subscribe", "execution_id": execution.pk})
    await client.receive_json_from(WAIT)  # the task.status snapshot
    await layer.group_send(group, log)
    assert await client.receive_json_from(WAIT) == log
    await send(client, {"action": "unsubscribe", "execution_id": execution.pk})
    await client.receive_nothing()  # the unsubscribe is handled
    await layer.group_send(group, log)
    assert await client.receive_nothing()
    await client.disconnect()


async def test_own_notifications_arrive(user: User, token: str) -> None:
    client, _ = await connected(token=token)
    notification = {"type": "notification", "notification": {"id": 9, "title": "done"}}

    await get_channel_layer().group_send(events.user_notifications_group(user.pk), notification)

    assert await client.receive_json_from(WAIT) == notification
    await client.disconnect()


# --- connections follow their user's access (task_manager.access) --------------------------


async def access_changed(user: User, **details: Any) -> None:
    """What task_manager.access sends once a change of the user's access commits."""
    group = events.user_notifications_group(user.pk)
    await get_channel_layer().group_send(group, {"type": "user.access", **details})


async def still_open(client: WebsocketCommunicator) -> bool:
    await send(client, {"action": "ping"})
    return await client.receive_json_from(WAIT) == {"type": "pong"}


@pytest.mark.parametrize("by_message", [False, True], ids=["subprotocol", "auth-message"])
async def test_a_deactivated_users_token_connection_is_closed_4401(
    user: User, token: str, by_message: bool
) -> None:
    if by_message:
        client = communicator()
        await client.connect(WAIT)
        await send(client, {"action": "auth", "token": token})
        assert (await client.receive_json_from(WAIT))["type"] == "hello"
    else:
        client, _ = await connected(token=token)
    user.is_active = False
    await database_sync_to_async(user.save)()

    await access_changed(user)

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_revoked_token_closes_its_connections_4401(user: User, token: str) -> None:
    client, _ = await connected(token=token)
    await database_sync_to_async(Token.objects.filter(key=token).delete)()

    await access_changed(user)

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_session_whose_password_changed_is_closed_4401(user: User) -> None:
    client, _ = await connected(cookie=await session_cookie(user))
    await database_sync_to_async(change_password)(user)
    await access_changed(user)

    assert await closed_with(client) == consumers.CLOSE_UNAUTHENTICATED


async def test_a_logout_closes_that_session_only_even_before_the_session_is_flushed(
    user: User,
) -> None:
    ending, other = await session_cookie(user), await session_cookie(user)
    leaving, _ = await connected(cookie=ending)
    staying, _ = await connected(cookie=other)
    ended_key = ending.split("=", 1)[1]

    # The logout signal comes before the flush: the session still exists when this is sent.
    await access_changed(user, ended_session=session_digest(ended_key))

    assert await closed_with(leaving) == consumers.CLOSE_UNAUTHENTICATED
    assert await still_open(staying)
    await staying.disconnect()


@pytest.mark.parametrize("now_staff", [False, True], ids=["withdrawn", "granted"])
async def test_a_change_of_staff_closes_4409_and_the_next_hello_has_the_new_role(
    user: User, token: str, now_staff: bool
) -> None:
    user.is_staff = not now_staff
    await database_sync_to_async(user.save)()
    client, hello = await connected(token=token)
    assert hello["user"]["is_staff"] is not now_staff
    user.is_staff = now_staff
    await database_sync_to_async(user.save)()

    await access_changed(user)

    assert await closed_with(client) == consumers.CLOSE_ACCESS_CHANGED
    again, hello = await connected(token=token)
    assert hello["user"]["is_staff"] is now_staff
    await again.disconnect()


async def test_an_unchanged_access_keeps_the_connection_and_its_groups(
    user: User, token: str
) -> None:
    client, consumer = await kept_connection(token)
    before = groups_of(consumer.channel_name)
    ending = await session_cookie(user)

    await access_changed(user)
    await access_changed(user, ended_session=session_digest(ending.split("=", 1)[1]))

    assert await still_open(client)
    assert groups_of(consumer.channel_name) == before
    await client.disconnect()


async def test_another_users_change_of_access_reaches_no_other_connection(
    user: User, token: str, other_user: User
) -> None:
    client, _ = await connected(token=token)
    other_user.is_active = False
    await database_sync_to_async(other_user.save)()

    await access_changed(other_user)

    assert await client.receive_nothing()
    assert await still_open(client)
    await client.disconnect()


# --- what a connection keeps ----------------------------------------------------------------


class KeptConsumer(consumers.TaskEventsConsumer):
    """The consumer, each instance noted so that a test can look at what it keeps."""

    made: list[consumers.TaskEventsConsumer] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        KeptConsumer.made.append(self)


async def kept_connection(token: str) -> tuple[WebsocketCommunicator, consumers.TaskEventsConsumer]:
    KeptConsumer.made.clear()
    routes = URLRouter([path("ws/tasks/", KeptConsumer.as_asgi())])
    client = WebsocketCommunicator(
        authenticated_websockets(routes), "/ws/tasks/", [(b"host", b"localhost")],
        ["taskpulse", f"token.{token}"],
    )  # fmt: skip
    assert (await client.connect(WAIT))[0]
    assert (await client.receive_json_from(WAIT))["type"] == "hello"
    return client, KeptConsumer.made[0]


def groups_of(channel: str) -> list[str]:
    layer = get_channel_layer()
    return sorted(group for group, members in layer.groups.items() if channel in members)


async def test_an_idle_connection_keeps_no_subscription_or_seq_maps(user: User, token: str) -> None:
    client, consumer = await kept_connection(token)

    assert (consumer.subscriptions, consumer.state_seq, consumer.auth_timeout) == (None, None, None)
    await get_channel_layer().group_send(
        events.user_executions_group(user.pk), state_event("task.progress", 42, 3)
    )
    assert (await client.receive_json_from(WAIT))["seq"] == 3
    assert consumer.state_seq == {42: 3}
    await client.disconnect()


async def test_subscriptions_note_what_was_replayed_and_disconnect_leaves_every_group(
    user: User, token: str
) -> None:
    execution = await database_sync_to_async(make_execution)(user=user)
    await database_sync_to_async(make_log_lines)(execution, 3)
    client, consumer = await kept_connection(token)

    await send(client, {"action": "subscribe", "execution_id": execution.pk, "since_seq": 1})
    await client.receive_json_from(WAIT)  # the status
    await client.receive_json_from(WAIT)  # lines 2 and 3
    line = {"ts": None, "level": "INFO", "message": "live"}
    live = {"type": "task.log", "execution_id": execution.pk, "seq": 4,
            "lines": [{**line, "seq": 3}, {**line, "seq": 4}]}  # fmt: skip
    await get_channel_layer().group_send(events.execution_group(execution.pk), live)

    assert [x["seq"] for x in (await client.receive_json_from(WAIT))["lines"]] == [4]
    assert consumer.subscriptions == {execution.pk: 3}
    assert groups_of(consumer.channel_name) == sorted([
        events.user_executions_group(user.pk), events.user_notifications_group(user.pk),
        events.execution_group(execution.pk),
    ])  # fmt: skip
    await client.disconnect()
    assert groups_of(consumer.channel_name) == []


async def test_unsubscribe_forgets_the_subscription_and_leaves_its_group(
    user: User, token: str
) -> None:
    execution = await database_sync_to_async(make_execution)(user=user)
    client, consumer = await kept_connection(token)
    await send(client, {"action": "subscribe", "execution_id": execution.pk})
    await client.receive_json_from(WAIT)

    await send(client, {"action": "unsubscribe", "execution_id": execution.pk})
    await send(client, {"action": "ping"})
    await client.receive_json_from(WAIT)  # the unsubscribe was handled before the ping

    assert consumer.subscriptions == {}
    assert events.execution_group(execution.pk) not in groups_of(consumer.channel_name)
    await client.disconnect()


async def test_authenticating_by_message_drops_the_auth_timeout(token: str) -> None:
    KeptConsumer.made.clear()
    routes = URLRouter([path("ws/tasks/", KeptConsumer.as_asgi())])
    client = WebsocketCommunicator(authenticated_websockets(routes), "/ws/tasks/",
                                   [(b"host", b"localhost")])  # fmt: skip
    await client.connect(WAIT)
    assert KeptConsumer.made[0].auth_timeout is not None

    await send(client, {"action": "auth", "token": token})
    assert (await client.receive_json_from(WAIT))["type"] == "hello"

    assert KeptConsumer.made[0].auth_timeout is None
    await client.disconnect()
