"""A database connection that the server dropped: ends still land, and tasks are retried."""

from __future__ import annotations

from typing import Any

import pytest
from celery import shared_task
from django.contrib.auth.models import User
from django.db import OperationalError, connection, transaction

from task_manager import signals
from task_manager.connections import on_fresh_connection
from task_manager.models import TaskExecution
from task_manager.tracking import DATABASE_RETRIES, ProgressReporter, track_task

failures_left: list[int] = []


@shared_task(bind=True, name="tests.database_goes_away")
@track_task("tests.database_goes_away", module="tests")
def database_goes_away(self: Any, *, progress: ProgressReporter) -> str:
    """Fails with a lost connection while failures_left[0] > 0, then works."""
    progress.message(f"attempt {self.request.retries + 1}")
    if failures_left[0] > 0:
        failures_left[0] -= 1
        raise OperationalError("server closed the connection unexpectedly")
    return "done"


@pytest.mark.django_db(transaction=True)
def test_a_write_lands_on_a_new_connection_when_its_own_was_dropped() -> None:
    connection.ensure_connection()
    dropped = connection.connection
    tries: list[object] = []

    def write() -> int:
        tries.append(connection.connection)
        if len(tries) == 1:
            raise OperationalError("the connection is lost")
        return TaskExecution.objects.count()

    assert on_fresh_connection(write) == 0
    assert tries == [dropped, None]  # closed, then opened anew by the second try's query
    assert connection.connection is not dropped


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_caller_decides() -> None:
    def write() -> None:
        raise OperationalError("the connection is lost")

    with pytest.raises(OperationalError), transaction.atomic():
        on_fresh_connection(write)


@pytest.mark.django_db(transaction=True)
def test_a_failure_end_is_written_again_when_the_first_write_lost_its_connection(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    TaskExecution.objects.create(user=user, task_id="t-1", name="x", task_name="x",
                                 status="PROGRESS")  # fmt: skip
    real_finish, calls = signals.execution_finish, []

    def finish(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("the connection is lost")
        real_finish(*args, **kwargs)

    monkeypatch.setattr(signals, "execution_finish", finish)

    signals.on_task_failure(task_id="t-1", exception=ValueError("bad"),
                            sender=database_goes_away)  # fmt: skip

    execution = TaskExecution.objects.get(task_id="t-1")
    assert (execution.status, execution.error) == ("FAILURE", "ValueError: bad")
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_database_went_away_is_retried_not_failed(user: User) -> None:
    failures_left[:] = [1]

    result = database_goes_away.apply(task_id="away-1")

    execution = TaskExecution.objects.get(task_id="away-1")
    assert result.get() == "done"
    assert (execution.status, execution.attempt, execution.result) == ("SUCCESS", 2, "done")


@pytest.mark.django_db(transaction=True)
def test_a_database_away_for_longer_than_the_retries_fails_the_task(user: User) -> None:
    failures_left[:] = [DATABASE_RETRIES + 1]

    database_goes_away.apply(task_id="away-2")

    execution = TaskExecution.objects.get(task_id="away-2")
    assert (execution.status, execution.attempt) == ("FAILURE", DATABASE_RETRIES + 1)
    assert execution.error == "OperationalError: server closed the connection unexpectedly"
