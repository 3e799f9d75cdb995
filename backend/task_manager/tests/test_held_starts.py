"""Held starts: a worker's start written with the execution's first write, or by the
flusher one interval later (task_manager.held_starts), seen through tracked tasks run in
process."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery import shared_task
from celery.exceptions import Ignore
from celery.utils.nodenames import gethostname
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import events, held_starts
from task_manager.models import TaskExecution, TaskLogLine
from task_manager.payloads import iso
from task_manager.tasks import demo
from task_manager.tracking import ProgressReporter, track_task
from testing.live import wait_until


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The messages pushed to clients, recorded instead of sent."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: sent.append(message))
    return sent


@shared_task(bind=True, name="tests.tracking.work")
@track_task("tests.tracking.work", module="tests")
def work(
    self: Any, seconds: float = 0, fail: bool = False, retries: int = 0, *,
    progress: ProgressReporter,
) -> None:  # fmt: skip
    """Works `seconds` without a report; retries `retries` times first, or fails."""
    time.sleep(seconds)
    if self.request.retries < retries:
        raise self.retry(countdown=0, max_retries=retries)
    if fail:
        raise ValueError("failed on purpose")


@shared_task(bind=True, name="tests.tracking.waits_for_started")
@track_task("tests.tracking.waits_for_started", module="tests")
def waits_for_started(self: Any, *, progress: ProgressReporter) -> dict[str, str]:
    """Reports nothing until the flusher has written STARTED; returns that row's times."""
    rows = TaskExecution.objects.filter(task_id=self.request.id, status="STARTED")
    wait_until(rows.exists, timeout=5, what="the flusher to write STARTED")
    row = rows.get()
    assert row.started_at is not None
    return {"started_at": row.started_at.isoformat(), "updated_at": row.updated_at.isoformat()}


@shared_task(bind=True, name="tests.tracking.ignored")
@track_task("tests.tracking.ignored", module="tests")
def ignored(self: Any, *, progress: ProgressReporter) -> None:
    raise Ignore()


@pytest.fixture
def hold_starts(settings: Any) -> None:
    """An interval longer than any test: only the task's own writes write its start."""
    settings.TASKPULSE_PROGRESS_INTERVAL_MS = 60_000


def pending(user: User, task_id: str, task_name: str = "tests.tracking.work") -> TaskExecution:
    return TaskExecution.objects.create(user=user, task_id=task_id, name=task_name,
                                        task_name=task_name)  # fmt: skip


def statuses(published: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(m["seq"], m["execution"]["status"]) for m in published if m["type"] == "task.status"]


def duration(execution: TaskExecution) -> float:
    assert execution.started_at is not None
    assert execution.finished_at is not None
    return (execution.finished_at - execution.started_at).total_seconds()


@pytest.mark.django_db(transaction=True)
def test_a_task_that_ends_within_the_interval_is_written_once(
    user: User, hold_starts: None, published: list, django_assert_num_queries
) -> None:
    pending(user, "quick-1")

    # One SELECT (the row, with its cancel request) to start; one transaction to end: the
    # row locked, one UPDATE with the start's fields, the owner's notification; after the
    # commit, the metrics rollup (task_manager.rollups: its own transaction, one INSERT of
    # the missing rows and one UPDATE).
    with django_assert_num_queries(6 + 4):
        work.apply(kwargs={"seconds": 0.05}, task_id="quick-1")

    execution = TaskExecution.objects.get(task_id="quick-1")
    assert (execution.status, execution.seq) == ("SUCCESS", 1)
    assert (execution.worker, execution.attempt) == (gethostname(), 1)
    assert duration(execution) >= 0.05  # started_at is when it started, not when it ended
    assert statuses(published) == [(1, "SUCCESS")]  # never STARTED
    assert published[0]["execution"]["started_at"] == iso(execution.started_at)
    with django_assert_num_queries(0):
        held_starts.execution_flush_start("quick-1")  # what the flusher does when it is due


@pytest.mark.django_db(transaction=True)
def test_a_task_that_runs_longer_than_the_interval_is_started_by_the_flusher(
    user: User, settings: Any, published: list
) -> None:
    settings.TASKPULSE_PROGRESS_INTERVAL_MS = 300
    pending(user, "slow-1", "tests.tracking.waits_for_started")

    seen = waits_for_started.apply(task_id="slow-1").get()

    started_at, written_at = (datetime.fromisoformat(seen[k]) for k in ("started_at", "updated_at"))
    assert written_at - started_at >= timedelta(seconds=0.29)  # the real start, written later
    execution = TaskExecution.objects.get(task_id="slow-1")
    assert (execution.status, execution.started_at, execution.worker) == (
        "SUCCESS", started_at, gethostname(),
    )  # fmt: skip
    assert statuses(published) == [(1, "STARTED"), (2, "SUCCESS")]


@pytest.mark.django_db
def test_a_report_within_the_interval_writes_the_start_with_it(
    user: User, hold_starts: None, published: list, django_assert_num_queries,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    execution = pending(user, "reports-1")
    before = timezone.now()
    held_starts.defer_start("reports-1", worker="w@host", attempt=1)
    reporter = ProgressReporter(execution.pk)

    # In one transaction, one UPDATE: STARTED then PROGRESS, each with its seq (the row
    # locked alone, its user read for the status events).
    with django_assert_num_queries(5), django_capture_on_commit_callbacks(execute=True):
        reporter.step(1, 4, "first step")

    execution.refresh_from_db()
    assert (execution.status, execution.seq, execution.current_step) == ("PROGRESS", 2, 1)
    assert (execution.worker, execution.attempt) == ("w@host", 1)
    assert execution.started_at is not None
    assert before <= execution.started_at
    assert statuses(published) == [(1, "STARTED"), (2, "PROGRESS")]
    started = published[0]["execution"]
    assert (started["worker"], started["current_step"]) == ("w@host", 0)  # before the report
    assert not held_starts.held_starts.holds("reports-1")


@pytest.mark.django_db(transaction=True)
def test_a_retry_within_the_interval_keeps_the_first_start(
    user: User, hold_starts: None, published: list
) -> None:
    pending(user, "retried-1")

    work.apply(kwargs={"seconds": 0.05, "retries": 1}, task_id="retried-1")

    execution = TaskExecution.objects.get(task_id="retried-1")
    assert (execution.status, execution.attempt, execution.worker) == ("SUCCESS", 2, gethostname())
    assert duration(execution) >= 0.1  # from the first attempt's start: both attempts worked
    assert statuses(published) == [(1, "RETRY"), (2, "SUCCESS")]
    retry = published[0]["execution"]
    assert (retry["attempt"], retry["started_at"]) == (2, iso(execution.started_at))


@pytest.mark.django_db(transaction=True)
def test_a_failure_within_the_interval_keeps_its_start(
    user: User, hold_starts: None, published: list
) -> None:
    pending(user, "fails-quickly-1")

    work.apply(kwargs={"seconds": 0.05, "fail": True}, task_id="fails-quickly-1")

    execution = TaskExecution.objects.get(task_id="fails-quickly-1")
    assert (execution.status, execution.error) == ("FAILURE", "ValueError: failed on purpose")
    assert (execution.attempt, execution.worker, execution.seq) == (1, gethostname(), 1)
    assert duration(execution) >= 0.05
    assert statuses(published) == [(1, "FAILURE")]


@pytest.mark.django_db(transaction=True)
def test_a_cancel_asked_before_the_start_stops_the_task_before_its_body(
    user: User, hold_starts: None, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries
) -> None:
    states: list[str] = []
    monkeypatch.setattr(demo, "update_state", lambda state: states.append(state))
    execution = pending(user, "cancelled-1", "task_manager.demo")
    TaskExecution.objects.filter(pk=execution.pk).update(cancel_requested_at=timezone.now())

    # The row read at the start says so: no second query asks again.
    with django_assert_num_queries(6 + 4):  # + the metrics rollup, after the commit
        result = demo.apply(kwargs={"steps": 2, "step_seconds": 0}, task_id="cancelled-1")

    execution.refresh_from_db()
    assert (result.state, states) == ("IGNORED", ["REVOKED"])
    assert (execution.status, execution.message, execution.seq) == ("REVOKED", "Cancelled", 1)
    assert (execution.worker, execution.current_step) == (gethostname(), 0)
    assert execution.started_at is not None
    assert not TaskLogLine.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_start_that_no_end_took_is_written_when_the_task_returns(
    user: User, hold_starts: None
) -> None:
    pending(user, "ignored-1", "tests.tracking.ignored")

    ignored.apply(task_id="ignored-1")

    execution = TaskExecution.objects.get(task_id="ignored-1")
    assert (execution.status, execution.worker, execution.seq) == ("STARTED", gethostname(), 1)


@pytest.mark.django_db
def test_without_an_interval_the_start_is_written_at_once(user: User, settings: Any) -> None:
    settings.TASKPULSE_PROGRESS_INTERVAL_MS = 0
    execution = pending(user, "at-once-1")

    held_starts.defer_start("at-once-1", worker="w@host", attempt=3)

    execution.refresh_from_db()
    assert (execution.status, execution.worker, execution.attempt) == ("STARTED", "w@host", 3)
    assert not held_starts.held_starts.holds("at-once-1")


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_child_holds_none_of_its_parents_starts() -> None:
    start = held_starts.Start(worker="w@host", attempt=1, started_at=timezone.now())
    held_starts.held_starts.hold("forked-1", start)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, and leave without running anything of pytest's
        os.write(write, b"held" if held_starts.held_starts.holds("forked-1") else b"none")
        os._exit(0)
    os.waitpid(pid, 0)

    assert os.read(read, 4) == b"none"
    assert held_starts.held_starts.take("forked-1") is start
