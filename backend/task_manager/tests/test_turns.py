"""Turns: a user's launches beyond TASKPULSE_USER_CONCURRENCY[module] wait, unsent and
visibly, and start in order as the user's earlier ones end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import launching, lifecycle, recovery
from task_manager.models import TaskExecution
from testing.brokers import FakeBroker

TASK = "deploy.deploy_vm"  # module "deploy", capped at 1 per user by default


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, published: list) -> list[int]:
    """The executions whose message goes to the broker, in order."""
    sent: list[int] = []

    def send(pk: int, options: object = None) -> bool:
        sent.append(pk)
        return True

    monkeypatch.setattr(launching, "execution_send", send)
    return sent


def launch(user: User, capture: Any) -> TaskExecution:
    with capture(execute=True):
        execution = launching.execution_launch(task=TASK, user=user, kwargs={"history_id": 1})
    execution.refresh_from_db()
    return execution


def finish(execution: TaskExecution, capture: Any, status: str = "SUCCESS") -> None:
    with capture(execute=True):
        lifecycle.execution_finish(execution.task_id, status)


@pytest.mark.django_db
def test_a_launch_beyond_the_cap_waits_visibly_and_starts_when_the_first_ends(
    user: User, other_user: User, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    first, second, third = (launch(user, capture) for _ in range(3))
    others = launch(other_user, capture)

    assert sent == [first.pk, others.pk]
    assert (first.message, first.admitted_at is not None) == ("Queued", True)
    for waiting in (second, third):
        assert (waiting.status, waiting.admitted_at, waiting.queued_at) == ("PENDING", None, None)
        assert waiting.message == "Waiting: 1 deploy task of yours is running"

    finish(first, capture)

    second.refresh_from_db()
    assert sent == [first.pk, others.pk, second.pk]
    assert (second.status, second.message, second.admitted_at is not None) == (
        "PENDING", "Queued", True,
    )  # fmt: skip
    finish(second, capture, status="FAILURE")
    assert sent[-1] == third.pk


@pytest.mark.django_db
def test_a_cancelled_waiting_launch_frees_nothing(
    user: User, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    first, second, third = (launch(user, capture) for _ in range(3))

    with capture(execute=True):
        assert launching.execution_cancel(second, by=user) == "REVOKED"

    assert sent == [first.pk]
    finish(first, capture)
    assert sent == [first.pk, third.pk]


@pytest.mark.django_db
def test_the_cap_is_per_module_and_configurable(
    user: User, sent: list[int], settings, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKPULSE_USER_CONCURRENCY = {"deploy": 2}
    capture = django_capture_on_commit_callbacks
    launched = [launch(user, capture) for _ in range(3)]
    with capture(execute=True):
        demo = launching.execution_launch(task="task_manager.demo", user=user)

    assert sent == [launched[0].pk, launched[1].pk, demo.pk]
    assert launched[2].message == "Waiting: 2 deploy tasks of yours are running"


@pytest.mark.django_db
def test_recovery_leaves_waiting_launches_alone_and_admits_them_when_a_turn_is_free(
    user: User, sent: list[int], settings, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    first, second = launch(user, capture), launch(user, capture)
    long_ago = timezone.now() - timedelta(days=1)
    TaskExecution.objects.filter(pk=second.pk).update(created_at=long_ago)
    broker = FakeBroker(queued={first.task_id})

    with capture(execute=True):
        report = recovery.recover(broker=broker)
    second.refresh_from_db()
    assert (report.failed, report.admitted, second.status) == (0, 0, "PENDING")

    TaskExecution.objects.filter(pk=first.pk).delete()  # its end never passed the turn on
    with capture(execute=True):
        report = recovery.recover(broker=broker)

    second.refresh_from_db()
    assert (report.admitted, second.message, sent[-1]) == (1, "Queued", second.pk)
