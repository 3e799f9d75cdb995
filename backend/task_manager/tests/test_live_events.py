"""End to end: a real Celery worker, the real web server and a real WebSocket client, on Redis."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from stack.web import WS_MAX_BYTES
from task_manager import launching
from task_manager.models import TaskExecution, TaskLogLine
from testing.live import BACKEND_DIR, LiveServer, process_env, wait_until
from testing.ws import WsClient, is_final_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def ana_token(ana: User) -> str:
    return Token.objects.create(user=ana).key


def launch_demo(user: User, **kwargs: object) -> TaskExecution:
    return launching.execution_launch(task="task_manager.demo", user=user, kwargs=kwargs)


def connect(server: LiveServer, token: str) -> WsClient:
    client = WsClient(server.ws_url, token=token)
    assert client.recv()["type"] == "hello"
    return client


def test_events_arrive_in_order_with_seq_growing_by_one_and_rest_matches(
    live_worker, live_web: LiveServer, ana: User, ana_token: str
) -> None:
    client = connect(live_web, ana_token)
    # A countdown keeps it PENDING while the client subscribes: from then on nothing is
    # superseded by the subscribe snapshot, so every seq must arrive, once and in order.
    execution = launching.execution_launch(
        task="task_manager.demo", user=ana, kwargs={"steps": 4, "step_seconds": 0.2},
        options={"countdown": 1},
    )  # fmt: skip
    client.send({"action": "subscribe", "execution_id": execution.pk, "since_seq": 0})

    messages = client.recv_until(is_final_status(execution.pk))
    client.close()

    mine = [m for m in messages if m.get("execution_id") == execution.pk]
    seqs = []
    for message in mine:
        if message["type"] == "task.log":
            seqs += [line["seq"] for line in message["lines"]]
        else:
            seqs.append(message["seq"])
    assert seqs == sorted(seqs)
    assert len(seqs) == len(set(seqs))
    assert seqs == list(range(seqs[-1] + 1))  # from the PENDING at 0: every change, once
    final = mine[-1]["execution"]
    assert final["status"] == "SUCCESS"
    assert final["progress"] == 100
    statuses = [m["execution"]["status"] for m in mine if m["type"] == "task.status"]
    assert statuses[0] == "PENDING"
    assert "STARTED" in statuses
    assert statuses[-1] == "SUCCESS"
    steps = [m["current_step"] for m in mine if m["type"] == "task.progress"]
    assert steps == sorted(steps)
    logged = [line["message"] for m in mine if m["type"] == "task.log" for line in m["lines"]]
    assert logged == [f"step {n} started" for n in range(1, 5)] + ["all steps done"]

    detail = requests.get(
        f"{live_web.url}/api/tasks/executions/{execution.pk}/",
        headers={"Authorization": f"Token {ana_token}"},
        timeout=5,
    ).json()
    # The detail is the WebSocket's execution plus what only the detail shows.
    assert {key: detail[key] for key in final} == final
    assert set(detail) - set(final) == {"args", "kwargs", "arguments_truncated", "steps", "retries"}
    assert [(s["name"], s["status"]) for s in detail["steps"]] == [
        (f"Step {n} of 4", "done") for n in range(1, 5)
    ]


def test_resubscribe_with_since_seq_gets_exactly_what_was_missed(
    live_worker, live_web: LiveServer, ana: User, ana_token: str
) -> None:
    execution = launch_demo(ana, steps=8, step_seconds=0.25)
    first = connect(live_web, ana_token)
    first.send({"action": "subscribe", "execution_id": execution.pk, "since_seq": 0})
    seen = first.recv_until(lambda m: m["type"] == "task.log" and m["lines"][-1]["seq"] >= 4)
    first.close()
    before = [line["seq"] for m in seen if m["type"] == "task.log" for line in m["lines"]]
    last_seen = max(before)
    wait_until(lambda: TaskLogLine.objects.filter(execution=execution).count() >= 5, what="a gap")

    second = connect(live_web, ana_token)
    second.send({"action": "subscribe", "execution_id": execution.pk, "since_seq": last_seen})
    after_messages = second.recv_until(is_final_status(execution.pk))
    second.drain(0.3)
    second.close()

    after = [line["seq"] for m in second.received if m["type"] == "task.log" for line in m["lines"]]
    stored = list(TaskLogLine.objects.filter(execution=execution).values_list("seq", flat=True))
    assert after_messages
    assert sorted(before + after) == stored  # nothing missed, nothing twice
    assert min(after) > last_seen


def test_other_users_get_none_of_the_events(
    live_worker, live_web: LiveServer, ana: User, ana_token: str
) -> None:
    bob = User.objects.create_user("bob", password="bob-password-1")
    bob_client = connect(live_web, Token.objects.create(user=bob).key)
    ana_client = connect(live_web, ana_token)

    execution = launch_demo(ana, steps=2, step_seconds=0.1)
    ana_client.recv_until(is_final_status(execution.pk))
    bob_client.send({"action": "subscribe", "execution_id": execution.pk, "since_seq": 0})
    bob_messages = bob_client.drain(1.0)

    assert bob_messages == [{"type": "error", "detail": f"execution {execution.pk} not found"}]
    detail = requests.get(
        f"{live_web.url}/api/tasks/executions/{execution.pk}/",
        headers={"Authorization": f"Token {Token.objects.get(user=bob).key}"},
        timeout=5,
    )
    assert detail.status_code == 404
    ana_client.close()
    bob_client.close()


def test_unauthenticated_socket_is_closed_4401(live_web: LiveServer) -> None:
    anonymous = WsClient(live_web.ws_url, origin=f"http://127.0.0.1:{live_web.port}")
    anonymous.send({"action": "subscribe", "execution_id": 1})
    assert anonymous.close_code() == 4401

    bad_token = WsClient(live_web.ws_url, token="not-a-token")
    assert bad_token.close_code() == 4401


def test_foreign_origin_is_closed_4403(live_web: LiveServer) -> None:
    client = WsClient(live_web.ws_url, origin="https://evil.example")
    assert client.close_code() == 4403


def test_token_as_subprotocol_authenticates(live_web: LiveServer, ana_token: str) -> None:
    client = WsClient(live_web.ws_url, subprotocols=["taskpulse", f"token.{ana_token}"])
    assert client.connection.subprotocol == "taskpulse"
    assert client.recv()["user"]["username"] == "ana"
    client.close()


def signed_in(server: LiveServer) -> requests.Session:
    """A browser's HTTP session, logged in as ana."""
    session = requests.Session()
    session.get(f"{server.url}/api/auth/csrf/", timeout=5)
    post(server, session, "/api/auth/login/", {"username": "ana", "password": "ana-password-1"})
    return session


def post(server: LiveServer, session: requests.Session, path: str, body: object = None) -> None:
    session.post(
        f"{server.url}{path}", json=body, timeout=5,
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": server.url},
    ).raise_for_status()  # fmt: skip


def session_cookie(server: LiveServer, session: requests.Session | None = None) -> str:
    """The Cookie header of a browser that logged in as ana."""
    session = session or signed_in(server)
    return f"sessionid={session.cookies['sessionid']}"


def test_session_cookie_authenticates_a_browser(live_web: LiveServer, ana: User) -> None:
    cookie = session_cookie(live_web)

    browser = WsClient(live_web.ws_url, origin=live_web.url, cookie=cookie)
    script = WsClient(live_web.ws_url, cookie=cookie)  # no Origin: cookies are ignored

    assert browser.recv()["user"]["username"] == "ana"
    script.send({"action": "ping"})
    assert script.close_code() == 4401
    browser.close()


def test_a_session_from_an_origin_of_another_scheme_or_port_is_closed_4403(
    live_web: LiveServer, ana: User
) -> None:
    cookie = session_cookie(live_web)
    refused = ["http://127.0.0.1:9999", "https://127.0.0.1", "http://LOCALHOST:1",
               f"https://127.0.0.1:{live_web.port}"]  # fmt: skip

    codes = {origin: WsClient(live_web.ws_url, origin=origin, cookie=cookie).close_code()
             for origin in refused}  # fmt: skip
    browser = WsClient(live_web.ws_url, origin=live_web.url, cookie=cookie)

    assert codes == dict.fromkeys(refused, 4403)
    assert browser.recv()["type"] == "hello"
    browser.close()


def test_a_frame_over_64_kib_is_refused_with_1009_before_authentication(
    live_web: LiveServer, ana_token: str
) -> None:
    anonymous = WsClient(live_web.ws_url)
    anonymous.send("x" * (WS_MAX_BYTES + 1))
    at_limit = connect(live_web, ana_token)
    at_limit.send('{"action": "ping", "pad": "' + "x" * (WS_MAX_BYTES - 40) + '"}')

    assert anonymous.close_code() == 1009  # uvicorn's --ws-max-size (stack/web.py)
    assert at_limit.recv()["detail"].startswith("message too large")  # the consumer's 16 KiB
    at_limit.close()


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "a message must be a JSON object"),
        ('{"action": "dance"}', "unknown action 'dance'"),
        ('{"action": "subscribe", "execution_id": "7"}', "'execution_id' must be a non-negative"),
        ('{"action": "subscribe", "execution_id": true}', "'execution_id' must be a non-negative"),
        ('{"action": "subscribe", "execution_id": 1, "since_seq": -1}', "'since_seq' must be"),
        ('{"action": "unsubscribe"}', "'execution_id' must be a non-negative"),
        ('{"action": "subscribe", "execution_id": 999999}', "execution 999999 not found"),
        ('{"action": "ping", "pad": "' + "x" * 20_000 + '"}', "message too large"),
    ],
)
def test_bad_frames_get_an_error_and_the_connection_stays(
    live_web: LiveServer, ana_token: str, frame: str, detail: str
) -> None:
    client = connect(live_web, ana_token)
    client.send(frame)
    error = client.recv()
    client.send({"action": "ping"})

    assert error["type"] == "error"
    assert detail in error["detail"]
    assert client.recv() == {"type": "pong"}
    client.close()


def test_binary_frame_gets_an_error(live_web: LiveServer, ana_token: str) -> None:
    client = connect(live_web, ana_token)
    client.connection.send(b"\x00\x01")

    assert client.recv()["detail"].startswith("binary frames are not supported")
    client.close()


# --- open sockets follow their user's access (task_manager.access) ---------------------------


def test_a_logout_closes_the_sockets_of_that_session_and_no_other(
    live_web: LiveServer, ana: User
) -> None:
    leaving, staying = signed_in(live_web), signed_in(live_web)
    sockets = {
        name: WsClient(live_web.ws_url, origin=live_web.url, cookie=session_cookie(live_web, s))
        for name, s in {"leaving": leaving, "staying": staying}.items()
    }
    assert {name: ws.recv()["type"] for name, ws in sockets.items()} == dict.fromkeys(
        sockets, "hello"
    )

    post(live_web, leaving, "/api/auth/logout/")

    assert sockets["leaving"].close_code() == 4401
    sockets["staying"].send({"action": "ping"})
    assert sockets["staying"].recv() == {"type": "pong"}
    sockets["staying"].close()


@pytest.mark.parametrize(
    ("change", "code", "is_staff"),
    [("is_active = False", 4401, None), ("is_staff = True", 4409, True)],
    ids=["deactivated", "made-staff"],
)
def test_an_operators_change_in_another_process_reaches_open_sockets(
    live_web: LiveServer, ana: User, ana_token: str, change: str, code: int, is_staff: bool | None
) -> None:
    socket = connect(live_web, ana_token)

    # What an operator types: the change is made, and the process exits at once.
    script = (
        "from django.contrib.auth.models import User\n"
        f"user = User.objects.get(username='ana')\nuser.{change}\nuser.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=BACKEND_DIR, env=process_env(),
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip

    assert socket.close_code() == code
    if is_staff is not None:
        again = WsClient(live_web.ws_url, token=ana_token)
        assert again.recv()["user"]["is_staff"] is is_staff
        again.close()
