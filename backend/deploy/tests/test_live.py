"""End to end: deployments through the real web server, run by a real Celery worker, watched by a
real WebSocket client."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from deploy.models import DeploymentHistory
from deploy.tests.conftest import params
from testing.live import LiveServer, running, wait_until
from testing.ws import Message, WsClient, is_final_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Session:
    """One user talking to the live server over HTTP and one WebSocket."""

    def __init__(self, server: LiveServer, user: User) -> None:
        self.server = server
        self.headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
        self.ws = WsClient(server.ws_url, token=self.headers["Authorization"].split()[1])
        assert self.ws.recv()["type"] == "hello"

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(f"{self.server.url}{path}", json=body, headers=self.headers,
                             timeout=10)  # fmt: skip

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.server.url}{path}", headers=self.headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def deploy(self, **fields: Any) -> dict[str, Any]:
        """Launch, and subscribe to the execution's log lines (missed ones are replayed)."""
        response = self.post("/api/deploy/deployments/", params(**fields))
        assert response.status_code == 202, response.text
        launched = response.json()
        self.ws.send({"action": "subscribe", "execution_id": launched["execution_id"],
                      "since_seq": 0})  # fmt: skip
        return launched

    def until_final(self, execution_id: int, timeout: float = 60) -> list[Message]:
        messages = self.ws.recv_until(is_final_status(execution_id), timeout=timeout)
        return messages + self.ws.drain(0.5)  # the notification follows the final status


def by_seq(messages: list[Message], execution_id: int) -> list[Message]:
    """Each change once, in seq order (a subscribe snapshot repeats what was already seen)."""
    seen: dict[int, Message] = {}
    for message in messages:
        if message.get("execution_id") != execution_id:
            continue
        if message["type"] == "task.log":
            for line in message["lines"]:
                seen[line["seq"]] = {"type": "line", **line}
        else:
            seen.setdefault(message["seq"], message)
    return [seen[seq] for seq in sorted(seen)]


def log_lines(messages: list[Message], execution_id: int) -> list[tuple[str, str]]:
    return [(m["level"], m["message"]) for m in by_seq(messages, execution_id)
            if m["type"] == "line"]  # fmt: skip


def states(messages: list[Message], execution_id: int) -> list[dict[str, Any]]:
    """The execution's state after each status or progress event."""
    out = []
    for message in by_seq(messages, execution_id):
        if message["type"] == "task.status":
            out.append(message["execution"])
        elif message["type"] == "task.progress":
            out.append({**(out[-1] if out else {}), **message})
    return out


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def session(live_worker: Any, live_web: LiveServer, ana: User) -> Iterator[Session]:
    session = Session(live_web, ana)
    yield session
    session.ws.close()


STEPS = range(1, 9)


def test_the_eight_steps_arrive_in_order_with_their_log_lines(session: Session) -> None:
    started = time.monotonic()
    launched = session.deploy(hostname="web-01", simulate={"step_seconds": 0.25})
    execution_id = launched["execution_id"]

    messages = session.until_final(execution_id)

    elapsed = time.monotonic() - started
    steps_seen = [s["current_step"] for s in states(messages, execution_id) if "current_step" in s]
    assert steps_seen == sorted(steps_seen)
    assert set(STEPS) <= set(steps_seen)
    lines = log_lines(messages, execution_id)
    messages_only = [text for _, text in lines]
    headings = [i for i, text in enumerate(messages_only) if re.match(r"Step \d/8: ", text)]
    assert [messages_only[i].split(":")[0] for i in headings] == [f"Step {n}/8" for n in STEPS]
    for n, (start, end) in enumerate(zip(headings, [*headings[1:], len(lines)], strict=True), 1):
        assert end - start >= 2, f"step {n} logged nothing of its own"  # the provider's line
    assert lines[0] == ("INFO", "Provider: simulator - Simulated: no vCenter is contacted and "
                                "no VM is created.")  # fmt: skip
    assert {level for level, _ in lines} == {"INFO"}
    final = states(messages, execution_id)[-1]
    assert (final["status"], final["progress"], final["current_step"]) == ("SUCCESS", 100, 8)
    assert 8 * 0.25 <= elapsed < 30

    history = session.get(f"/api/deploy/deployments/{launched['history_id']}/")
    assert history["status"] == "success"
    assert history["provider"] == "simulator"
    assert history["result"]["vm_id"].startswith("sim-vm-")
    assert final["message"] == f"Deployed web-01 at {history['result']['ip_address']} (simulator)"
    progress = session.get(f"/deploy/ajax/task-progress/{launched['task_id']}/")
    assert progress == {
        "task_id": launched["task_id"], "state": "SUCCESS", "status": "success",
        "current_step": 8, "total_steps": 8, "percent": 100, "message": final["message"],
        "history_id": launched["history_id"],
    }  # fmt: skip


def test_the_seed_progress_endpoint_matches_the_execution_while_it_runs(
    session: Session,
) -> None:
    launched = session.deploy(simulate={"step_seconds": 0.3, "slow_step": 4})
    task_id, execution_id = launched["task_id"], launched["execution_id"]
    execution_url = f"/api/tasks/executions/{execution_id}/"

    def matching_reads() -> tuple[dict[str, Any], dict[str, Any]] | None:
        before = session.get(execution_url)
        progress = session.get(f"/deploy/ajax/task-progress/{task_id}/")
        after = session.get(execution_url)
        running = before["status"] == "PROGRESS" and before["current_step"] >= 2
        return (before, progress) if running and before["seq"] == after["seq"] else None

    # Long enough for a loaded machine: the deployment may first wait its turn (one per user).
    execution, progress = wait_until(matching_reads, timeout=60, what="a quiet moment")
    session.until_final(execution_id)

    assert progress == {
        "task_id": task_id, "state": "PROGRESS", "status": "running",
        "current_step": execution["current_step"], "total_steps": 8,
        "percent": int(execution["progress"]), "message": execution["message"],
        "history_id": launched["history_id"],
    }  # fmt: skip


def test_a_fault_at_step_5_ends_failed_with_the_step_named(session: Session) -> None:
    launched = session.deploy(simulate={"fail_at_step": 5, "step_seconds": 0.05})
    execution_id = launched["execution_id"]

    messages = session.until_final(execution_id)

    expected = ("Step 5/8 (Power on VM) failed: simulated failure: the host has not enough "
                "resources to power the VM on")  # fmt: skip
    final = states(messages, execution_id)[-1]
    assert (final["status"], final["error"], final["current_step"]) == ("FAILURE", expected, 5)
    assert log_lines(messages, execution_id)[-1] == ("ERROR", expected)
    notifications = [m["notification"] for m in messages if m["type"] == "notification"]
    assert [(n["level"], n["title"], n["message"]) for n in notifications] == [
        ("error", "Deploy web-01 failed", expected)
    ]
    history = session.get(f"/api/deploy/deployments/{launched['history_id']}/")
    assert (history["status"], history["error"], history["last_step"]) == ("failed", expected, 4)
    assert history["result"]["vm_id"].startswith("sim-vm-")  # the clone that stays behind


def test_a_transient_fault_retries_and_succeeds(session: Session) -> None:
    launched = session.deploy(
        simulate={"fail_at_step": 3, "transient_failures": 1, "step_seconds": 0.05}
    )
    execution_id = launched["execution_id"]

    messages = session.until_final(execution_id)

    seen = states(messages, execution_id)
    retry = next(s for s in seen if s["status"] == "RETRY")
    assert retry["attempt"] == 2
    assert retry["message"].startswith("Retrying: Retry in 0.1s: step 3/8 (Configure hardware) "
                                       "failed: simulated transient error")  # fmt: skip
    assert (seen[-1]["status"], seen[-1]["attempt"]) == ("SUCCESS", 2)
    lines = [text for _, text in log_lines(messages, execution_id)]
    assert any(text.startswith("Step 3/8 (Configure hardware): simulated transient error")
               and text.endswith("retry 1 of 3 in 0.1 s") for text in lines)  # fmt: skip
    assert "Attempt 2: resuming at step 3/8 (Configure hardware)" in lines
    assert lines.count("Step 2/8: Clone VM from template") == 1  # not cloned twice
    history = DeploymentHistory.objects.get(pk=launched["history_id"])
    assert history.status == "success"


def test_a_cancel_between_steps_ends_cancelled_and_logs_the_vm_step_that_ran(
    session: Session,
) -> None:
    launched = session.deploy(simulate={"step_seconds": 0.4})
    execution_id = launched["execution_id"]
    session.ws.recv_until(lambda m: m.get("execution_id") == execution_id
                          and m.get("current_step", 0) >= 3, timeout=30)  # fmt: skip

    cancel = session.post(f"/api/tasks/cancel/{execution_id}/", {})
    messages = session.until_final(execution_id)

    assert cancel.status_code == 202
    assert cancel.json() == {"status": "cancelling"}
    assert states(messages, execution_id)[-1]["status"] == "REVOKED"
    history = DeploymentHistory.objects.get(pk=launched["history_id"])
    assert history.status == "cancelled"
    assert 2 <= history.last_step < 8
    level, text = [line for line in log_lines(session.ws.received, execution_id)
                   if line[1].startswith("Cancelled")][-1]  # fmt: skip
    assert level == "WARNING"
    assert f"after step {history.last_step}/8" in text
    assert text.endswith(f"VM web-01 ({history.vm_id}) exists and was left as it is.")


def test_bad_params_are_400_per_field_through_the_server(session: Session) -> None:
    body = params(hostname="-web", cpu=0, ip_address="10.0.0", simulate={"fail_at_step": 9})

    response = session.post("/api/deploy/deployments/", body)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"hostname", "cpu", "ip_address", "simulate"}


def test_past_the_rate_the_launch_is_429_with_retry_after(
    live_worker: Any, ana: User, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Token {Token.objects.create(user=ana).key}"}
    with running(LiveServer(tmp_path / "web.log", TASKPULSE_DEPLOY_RATE="3/min")) as server:
        assert isinstance(server, LiveServer)
        launched = [
            requests.post(f"{server.url}/api/deploy/deployments/", json=params(hostname=f"w{n}"),
                          headers=headers, timeout=10)
            for n in range(4)
        ]  # fmt: skip
    ids = [response.json()["history_id"] for response in launched[:3]]
    wait_until(lambda: not DeploymentHistory.objects.filter(
        pk__in=ids, status__in=["pending", "deploying"]).exists(), timeout=30,
        what="the three deployments to end")  # fmt: skip

    assert [response.status_code for response in launched] == [202, 202, 202, 429]
    assert 1 <= int(launched[3].headers["Retry-After"]) <= 60
    assert launched[3].json()["detail"].startswith("Request was throttled.")


def test_a_users_second_deployment_waits_its_turn_while_another_users_runs(
    session: Session, live_web: LiveServer
) -> None:
    """Two pool processes, a cap of 1 deployment per user: ana's second deployment waits,
    visibly, without a process; bob's runs on the free one; ana's second runs once her
    first has ended (cancelled here, so that nothing depends on how long a step takes)."""
    bob = Session(live_web, User.objects.create_user("bob", password="bob-password-1"))
    first = session.deploy(hostname="ana-1", simulate={"step_seconds": 60})
    second = session.deploy(hostname="ana-2")
    wait_until(lambda: session.get(f"/api/tasks/executions/{first['execution_id']}/")["status"]
               in ("STARTED", "PROGRESS"), timeout=30, what="ana's first to run")  # fmt: skip

    theirs = bob.deploy(hostname="bob-1")
    bob.until_final(theirs["execution_id"])

    waiting = session.get(f"/api/tasks/executions/{second['execution_id']}/")
    assert (waiting["status"], waiting["message"]) == (
        "PENDING", "Waiting: 1 deploy task of yours is running",
    )  # fmt: skip
    assert bob.get(f"/api/tasks/executions/{theirs['execution_id']}/")["status"] == "SUCCESS"
    cancelled = session.post(f"/api/tasks/cancel/{first['execution_id']}/", {})
    assert cancelled.status_code == 202
    session.until_final(second["execution_id"])
    done = session.get(f"/api/tasks/executions/{second['execution_id']}/")
    ended = session.get(f"/api/tasks/executions/{first['execution_id']}/")
    assert (ended["status"], done["status"]) == ("REVOKED", "SUCCESS")
    assert done["started_at"] >= ended["finished_at"]
    bob.ws.close()
