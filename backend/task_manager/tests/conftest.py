"""Fixtures of the task_manager suite."""

from __future__ import annotations

from typing import Any

import pytest

from task_manager import events
from task_manager.models import TaskTemplate


@pytest.fixture(autouse=True)
def templates_start_empty(request: pytest.FixtureRequest) -> None:
    """The template tests count and .get() templates from an empty table, but other apps'
    data migrations seed some (deploy's "Deploy VM"): hide them, inside the test's
    transaction, so that they are back for the next test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction") or any(marker.args):
        return
    request.getfixturevalue("db")
    TaskTemplate.objects.all().delete()


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, Any]]]:
    """What the write path publishes, as (groups, message), instead of the channel layer."""
    sent: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: sent.append((groups, message)))
    return sent
