"""The execution-finished hook: run once when an execution ends, never for its progress."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from task_manager import events, hooks, launching, lifecycle
from task_manager.models import TaskExecution
from task_manager.rules import Change
from task_manager.tests.factories import make_execution


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: None)
    monkeypatch.setattr(hooks, "_finished", [])

    def callback(execution: TaskExecution) -> None:
        seen.append((execution.pk, execution.status))

    hooks.on_execution_finished(callback)
    hooks.on_execution_finished(callback)  # registered once, whatever the app reloads
    return seen


@pytest.mark.django_db
def test_the_hook_runs_once_when_an_execution_ends(
    user: User, finished: list[tuple[int, str]]
) -> None:
    execution = make_execution(user=user, status="STARTED")

    lifecycle.execution_apply(execution.pk, Change(progress=50, message="half"))
    assert finished == []
    lifecycle.execution_finish(execution.task_id, "SUCCESS")
    lifecycle.execution_finish(execution.task_id, "FAILURE", error="late")  # already ended

    assert finished == [(execution.pk, "SUCCESS")]


@pytest.mark.django_db
def test_the_hook_sees_a_cancel_before_the_start(
    user: User, finished: list[tuple[int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launching.celery_app.control, "revoke", lambda *args, **kwargs: None)
    execution = make_execution(user=user)

    launching.execution_cancel(execution, by=user)

    assert finished == [(execution.pk, "REVOKED")]
