"""/ws/tasks/ fuzzed against a real server: hostile frames before and after authentication.

Every frame gets an answer and the socket stays open, or the server closes it with one of
the codes docs/API.md lists (CLOSE_CODES); never 1006 (dropped) or 1011 (server error), and
the server's log shows no traceback. The generated frames come from Hypothesis with a fixed
seed (TASKPULSE_FUZZ_SEED), TASKPULSE_FUZZ_FRAMES examples per test.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed

from stack.web import WS_MAX_BYTES
from testing.live import LiveServer
from testing.ws import WsClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FRAMES = int(os.environ.get("TASKPULSE_FUZZ_FRAMES", "500"))
SEED = int(os.environ.get("TASKPULSE_FUZZ_SEED", "14"))
# docs/API.md, "WebSocket": the close codes a client's frames may cause (it also lists 1011,
# a missed keepalive ping, and 1012, a restart, which no frame causes).
CLOSE_CODES = {1000, 1002, 1007, 1009, 4401, 4403}
ANSWER_TYPES = {"error", "pong", "task.status", "task.progress", "task.log", "notification"}
FUZZ_SETTINGS = settings(
    max_examples=FRAMES, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip

Frame = str | bytes

# --- what is sent ---------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(), st.integers(min_value=2**62, max_value=2**80), st.floats(),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63), 1e308, 10**300]),
)  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
actions = st.fixed_dictionaries(
    {"action": st.one_of(st.sampled_from(["auth", "subscribe", "unsubscribe", "ping"]), scalars)},
    optional={"execution_id": json_values, "since_seq": json_values, "token": json_values,
              "extra": json_values},
)  # fmt: skip
frames: st.SearchStrategy[Frame] = st.one_of(
    actions.map(lambda action: json.dumps(action)),  # NaN and Infinity appear as such
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(min_value=65, max_value=3000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=33, max_value=1500).map(
        lambda depth: '{"a":' * depth + "1" + "}" * depth
    ),
)


def send(client: WsClient, frame: Frame) -> None:
    if isinstance(frame, bytes):
        client.connection.send(frame, text=False)
    else:
        client.connection.send(frame)


def send_at_once(client: WsClient, messages: list[dict[str, Any]]) -> None:
    """Several text frames in one write to the socket."""
    protocol = client.connection.protocol
    for message in messages:
        protocol.send_text(json.dumps(message).encode())
    client.connection.socket.sendall(b"".join(protocol.data_to_send()))


def answers_until(client: WsClient, last: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Messages up to the one `last` matches, each checked to be of a documented type."""
    seen = client.recv_until(last, timeout=15)
    assert {message["type"] for message in seen} <= ANSWER_TYPES | {"hello"}, seen
    return seen


def open_and_answering(client: WsClient, marker: str) -> bool:
    """Send an unknown action named `marker` and wait for its error: the socket still works."""
    client.send({"action": marker})
    answers_until(client, lambda m: m["type"] == "error" and marker in m["detail"])
    return True


def close_code(client: WsClient) -> int | None:
    code = client.close_code(timeout=15)
    assert code in CLOSE_CODES, f"closed with {code}"
    return code


@pytest.fixture
def fuzz_token() -> str:
    """A user with no executions: a subscribe is always an error, never a replay."""
    user = User.objects.create_user("fuzz", password="fuzz-password-1")
    return Token.objects.create(user=user).key


@pytest.fixture
def no_traceback(fuzz_web: LiveServer):
    start = len(fuzz_web.output())
    yield
    log = fuzz_web.output()[start:]
    assert "Traceback" not in log, log[log.find("Traceback") - 300 :][:6000]


# --- hand-picked frames ---------------------------------------------------------------------


@pytest.mark.usefixtures("no_traceback")
@pytest.mark.parametrize("authenticated", [False, True])
def test_hostile_frames_get_an_error_and_the_socket_stays_open(
    fuzz_web: LiveServer, fuzz_token: str, authenticated: bool
) -> None:
    client = WsClient(fuzz_web.ws_url, token=fuzz_token if authenticated else None)
    if authenticated:
        assert client.recv()["type"] == "hello"
    hostile: list[Frame] = [
        "[" * 5000 + "]" * 5000,
        '{"action": "auth", "token": ' + "[" * 3000 + "]" * 3000 + "}",
        b"\x00\xff" * 100,
        "x" * (WS_MAX_BYTES - 100),  # under uvicorn's limit, over the consumer's 16 KiB
        '{"action": "auth", "token": NaN}',
        "{" * 10,
        "",
    ]

    for frame in hostile:
        send(client, frame)
        assert client.recv()["type"] == "error", frame[:80]

    if authenticated:
        assert open_and_answering(client, "still-here")
    else:
        client.send({"action": "auth", "token": fuzz_token})
        assert client.recv()["type"] == "hello"
    client.close()


@pytest.mark.usefixtures("no_traceback")
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\xff\xfe not UTF-8", 1007),
        ("x" * (WS_MAX_BYTES + 1), 1009),
        ('{"action": "ping"}', 4401),  # anything but auth, before auth
        ('{"action": "auth", "token": "not-a-token"}', 4401),
    ],
)
def test_what_closes_an_unauthenticated_socket_and_with_which_code(
    fuzz_web: LiveServer, frame: Frame, code: int
) -> None:
    client = WsClient(fuzz_web.ws_url)

    if isinstance(frame, bytes):
        client.connection.send(frame, text=True)  # a text frame that is not UTF-8
    else:
        client.send(frame)

    assert close_code(client) == code


@pytest.mark.usefixtures("no_traceback")
def test_frames_already_sent_when_the_server_closes_are_dropped(
    fuzz_web: LiveServer, fuzz_token: str
) -> None:
    client = WsClient(fuzz_web.ws_url)
    ping, auth = {"action": "ping"}, {"action": "auth", "token": fuzz_token}

    # One write: the server has every frame in hand when the first one makes it close 4401.
    send_at_once(client, [ping, auth, ping])

    assert close_code(client) == 4401


def test_a_frame_that_breaks_the_protocol_is_closed_1002(fuzz_web: LiveServer) -> None:
    client = WsClient(fuzz_web.ws_url)
    raw: socket.socket = client.connection.socket

    raw.sendall(b"\x81\x05hello")  # a client frame without a mask

    assert close_code(client) == 1002


@pytest.mark.usefixtures("no_traceback")
def test_a_burst_of_200_frames_is_answered_in_order(fuzz_web: LiveServer, fuzz_token: str) -> None:
    client = WsClient(fuzz_web.ws_url, token=fuzz_token)
    assert client.recv()["type"] == "hello"
    burst = ['{"action": "ping"}' if n % 2 else "[" * 200 + "]" * 200 for n in range(200)]

    for frame in burst:
        client.connection.send(frame)
    answers = [client.recv()["type"] for _ in burst]

    assert answers == ["pong" if n % 2 else "error" for n in range(200)]
    assert open_and_answering(client, "after-the-burst")
    client.close()


# --- generated frames -----------------------------------------------------------------------


@pytest.mark.usefixtures("no_traceback")
def test_generated_frames_after_auth_get_answers_and_the_socket_stays_open(
    fuzz_web: LiveServer, fuzz_token: str
) -> None:
    client = WsClient(fuzz_web.ws_url, token=fuzz_token)
    assert client.recv()["type"] == "hello"
    sent = [0]

    @seed(SEED)
    @FUZZ_SETTINGS
    @given(frame=frames)
    def answered(frame: Frame) -> None:
        send(client, frame)
        sent[0] += 1
        assert open_and_answering(client, f"marker-{sent[0]}")

    answered()
    print(f"\nWebSocket fuzz, authenticated: {sent[0]} frames, socket open throughout")
    client.close()


@pytest.mark.usefixtures("no_traceback")
def test_generated_frames_before_auth_get_an_error_or_a_documented_close(
    fuzz_web: LiveServer, fuzz_token: str
) -> None:
    outcomes: dict[str, int] = {}

    @seed(SEED)
    @FUZZ_SETTINGS
    @given(frame=frames)
    def answered_or_closed(frame: Frame) -> None:
        client = WsClient(fuzz_web.ws_url)
        send(client, frame)
        try:
            client.send({"action": "auth", "token": fuzz_token})
            last = answers_until(client, lambda m: m["type"] == "hello")[-1]
            outcome = last["type"]
        except ConnectionClosed:
            outcome = f"closed {close_code(client)}"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        client.close()

    answered_or_closed()
    print(f"\nWebSocket fuzz, before auth: {sum(outcomes.values())} frames, {outcomes}")
    assert set(outcomes) <= {"hello", "closed 4401"}
