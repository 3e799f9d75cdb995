"""Owners: a second copy of a running task's message waits for the process that runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from task_manager import owners
from task_manager.models import TaskExecution, TaskLogLine
from task_manager.owners import Owner, execution_claim, owner_alive, this_process
from task_manager.tasks import demo

NODE = "w1@host"


@pytest.fixture
def other_process() -> Iterator[Owner]:
    """A live process on this node other than the test's."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = owners.process_started(process.pid)
    assert started is not None
    yield Owner(node=NODE, pid=process.pid, started=started)
    process.kill()
    process.wait()


def dead_owner() -> Owner:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return Owner(node=NODE, pid=process.pid, started=1.0)


def running(user: User, owner: Owner, task_id: str = "t-1") -> TaskExecution:
    return TaskExecution.objects.create(
        user=user, task_id=task_id, name="demo", task_name="task_manager.demo",
        status="PROGRESS", worker=owner.node, owner=owner.token,
    )  # fmt: skip


def test_a_token_names_node_pid_and_start_and_reads_back() -> None:
    owner = Owner(node="worker1@web-01.lab", pid=4242, started=1767225600.25)

    assert owner.token == "worker1@web-01.lab/4242/1767225600.25"
    assert Owner.parse(owner.token) == owner
    assert Owner.parse("garbage") is None
    assert Owner.parse("w@h/not-a-pid/1.0") is None


def test_on_its_own_node_an_owner_is_alive_while_its_process_is(other_process: Owner) -> None:
    assert owner_alive(other_process, task_id="t", node=NODE) is True
    assert owner_alive(this_process(NODE), task_id="t", node=NODE) is True
    assert owner_alive(dead_owner(), task_id="t", node=NODE) is False
    reused = Owner(node=NODE, pid=other_process.pid, started=other_process.started - 60)
    assert owner_alive(reused, task_id="t", node=NODE) is False  # its pid, another process


class FakeInspect:
    def __init__(self, replies: dict[str, Any] | None) -> None:
        self.replies = replies

    def query_task(self, *ids: str) -> dict[str, Any] | None:
        return self.replies


@pytest.mark.parametrize(
    ("replies", "alive"),
    [
        ({"w2@other": {"t": ["active", {"worker_pid": 77}]}}, True),
        ({"w2@other": {"t": ["active", {"worker_pid": 78}]}}, False),  # another pool process
        ({"w2@other": {}}, False),  # it answers and does not run it
        ({}, None),  # it does not answer: busy or gone, recovery decides
    ],
)
def test_on_another_node_its_worker_is_asked(
    monkeypatch: pytest.MonkeyPatch, replies: dict[str, Any], alive: bool | None
) -> None:
    asked: list[Any] = []

    def inspect(**kwargs: Any) -> FakeInspect:
        asked.append(kwargs["destination"])
        return FakeInspect(replies)

    monkeypatch.setattr(owners.celery_app.control, "inspect", inspect)
    owner = Owner(node="w2@other", pid=77, started=5.0)

    assert owner_alive(owner, task_id="t", node=NODE) is alive
    assert asked == [["w2@other"]]


@pytest.mark.django_db
def test_a_copy_may_not_run_while_the_owner_runs_it(user: User, other_process: Owner) -> None:
    execution = running(user, other_process)

    assert execution_claim(execution, node=NODE) is False
    execution.refresh_from_db()
    assert execution.owner == other_process.token


@pytest.mark.django_db
def test_a_copy_takes_over_from_a_dead_owner_once(user: User) -> None:
    gone = dead_owner()
    execution = running(user, gone)
    late = TaskExecution.objects.get(pk=execution.pk)  # another copy read the row too

    # Another pool process of its node (the owner's died), or the node started again.
    assert execution_claim(execution, node=NODE) is True
    assert execution_claim(late, node=NODE) is False  # the first copy took it
    execution.refresh_from_db()
    assert execution.owner == this_process(NODE).token


@pytest.mark.django_db
def test_what_nobody_runs_may_run(user: User) -> None:
    pending = TaskExecution.objects.create(user=user, task_id="p", name="x", task_name="x")
    retrying = TaskExecution.objects.create(user=user, task_id="r", name="x", task_name="x",
                                            status="RETRY", owner=dead_owner().token)  # fmt: skip
    unowned = TaskExecution.objects.create(user=user, task_id="u", name="x", task_name="x",
                                           status="PROGRESS")  # fmt: skip

    assert all(execution_claim(e, node=NODE) for e in (pending, retrying, unowned))


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_copy_of_a_running_task_does_not_run_beside_it(
    user: User, other_process: Owner
) -> None:
    execution = running(user, other_process, task_id="twice-1")

    result = demo.apply(kwargs={"steps": 1, "step_seconds": 0}, task_id="twice-1")

    assert result.state == "IGNORED"
    assert not TaskLogLine.objects.exists()
    execution.refresh_from_db()
    assert (execution.status, execution.owner) == ("PROGRESS", other_process.token)


@pytest.mark.django_db(transaction=True)
def test_a_start_records_its_owner(user: User) -> None:
    demo.apply(kwargs={"steps": 1, "step_seconds": 0}, task_id="owned-1")

    execution = TaskExecution.objects.get(task_id="owned-1")
    owner = Owner.parse(execution.owner)
    assert owner is not None
    assert (owner.pid, owner.started) == (os.getpid(), owners.process_started(os.getpid()))


# --- RabbitMQ: a redelivered copy and a silent owner ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("redelivered", "answers", "claimed"), [
    (True, [None, None, None], True),  # silent all along (a killed worker): taken over
    (True, [None, True], False),  # it answers in time (reconnected), and runs it
    (False, [None], False),  # not redelivered: the copy is dropped at once, as before
])  # fmt: skip
def test_a_redelivered_copy_takes_over_from_an_owner_that_stays_silent(
    user: User, settings, monkeypatch: pytest.MonkeyPatch,
    redelivered: bool, answers: list[bool | None], claimed: bool,
) -> None:  # fmt: skip
    settings.TASKPULSE_OWNER_SILENT_SECONDS = 0.5
    replies = iter(answers)
    asked: list[str] = []

    def alive(owner: Owner, *, task_id: str, node: str) -> bool | None:
        asked.append(owner.node)
        return next(replies, None)

    monkeypatch.setattr(owners, "owner_alive", alive)
    execution = running(user, Owner(node="w2@other", pid=77, started=5.0))

    assert execution_claim(execution, node=NODE, redelivered=redelivered, deliveries=2) is claimed
    execution.refresh_from_db()
    assert (execution.worker == NODE) is claimed
    assert len(asked) >= (2 if redelivered else 1)
