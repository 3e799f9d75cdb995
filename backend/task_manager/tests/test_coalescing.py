"""Adaptive coalescing: the policy on a simulated clock, then a reporter on the real one."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User

from task_manager import events
from task_manager.coalescing import QUICK_WRITES, Coalescing
from task_manager.models import TaskExecution, TaskLogLine
from task_manager.tracking import ProgressReporter
from testing.live import wait_until

INTERVAL, DEBOUNCE = 0.1, 0.005


def writes_of(report_times: list[float], interval: float = INTERVAL, debounce: float = DEBOUNCE,
              end: float | None = None) -> list[float]:  # fmt: skip
    """When a reporter following the policy writes, for reports made at these times; the
    task's end (default: at its last report) writes what is still pending, as
    _run_tracked's last flush does, unless the flusher wrote it before."""
    policy = Coalescing(interval, debounce)
    writes: list[float] = []
    due: float | None = None
    for now in report_times:
        if due is not None and due <= now:  # the flusher thread's write came first
            policy.wrote(due)
            writes.append(due)
            due = None
        if due is not None:
            policy.joined(now)
            continue
        due = policy.due(now)
        if due <= now:
            policy.wrote(now)
            writes.append(now)
            due = None
    if due is not None:
        writes.append(min(due, report_times[-1] if end is None else end))
    return writes


def test_the_first_report_and_one_after_a_quiet_interval_are_written_at_once() -> None:
    assert writes_of([0.0]) == [0.0]
    assert writes_of([5.0, 5.3, 5.6]) == [5.0, 5.3, 5.6]  # a calm task: every report at once


def test_reports_a_few_ms_apart_travel_together_after_a_short_debounce() -> None:
    policy = Coalescing(INTERVAL, DEBOUNCE)
    assert policy.due(1.0) == 1.0  # the step: at once
    policy.wrote(1.0)
    assert policy.due(1.002) == pytest.approx(1.007)  # its log line, 2 ms later: debounced
    # A message and a log line right behind a step: the step at once, the two together.
    assert writes_of([1.0, 1.001, 1.0015], end=2.0) == [1.0, pytest.approx(1.006)]


def test_a_sustained_burst_is_held_to_one_write_per_interval() -> None:
    # 100,000 reports/s for 2 s: the quick writes, then one per interval.
    reports = [n / 100_000 for n in range(200_000)]
    writes = writes_of(reports)
    assert len(writes) <= QUICK_WRITES + 2 / INTERVAL + 1
    held = [b - a for a, b in zip(writes[QUICK_WRITES:-1], writes[QUICK_WRITES + 1 : -1],
                                  strict=False)]  # fmt: skip
    assert held
    assert all(gap >= INTERVAL - 1e-9 for gap in held)
    assert writes[-1] == reports[-1]  # the last state is written


def test_a_ticker_whose_beats_slip_past_the_interval_is_still_held() -> None:
    # 20 reports/s whose sleeps overrun now and then (a loaded machine): 50 and 120 ms apart
    # in turn. Each 120 ms gap is a quiet interval, but earns one write, not a new burst.
    gaps = [0.05, 0.12] * 100
    reports = [sum(gaps[:n]) for n in range(len(gaps))]
    writes = writes_of(reports)
    assert len(writes) <= QUICK_WRITES + reports[-1] / INTERVAL + 1


def test_a_burst_that_pauses_for_an_interval_is_calm_again() -> None:
    burst = [n / 10_000 for n in range(1_000)]  # 0.1 s at 10,000 reports/s
    later = burst[-1] + 2 * INTERVAL
    writes = writes_of([*burst, later, later + 0.5])
    assert writes[-2:] == [later, later + 0.5]


def test_an_interval_of_zero_writes_every_report() -> None:
    reports = [n / 1000 for n in range(50)]
    assert writes_of(reports, interval=0) == reports


# --- a reporter, on the real clock and database -----------------------------------------------


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "publish", lambda groups, message: None)


def running_execution(user: User) -> TaskExecution:
    return TaskExecution.objects.create(
        user=user, task_id="t-1", name="demo", task_name="demo", status="STARTED"
    )


@pytest.mark.django_db
def test_a_report_after_a_quiet_interval_is_written_at_once(user: User) -> None:
    execution = running_execution(user)
    reporter = ProgressReporter(execution.pk, interval=0.05, debounce=60)
    reporter.step(1, 3, "first")
    time.sleep(0.06)  # quiet for longer than the interval
    reporter.step(2, 3, "second")  # no flush after it: written by the report itself

    execution.refresh_from_db()
    assert (execution.current_step, execution.message) == (2, "second")


@pytest.mark.django_db(transaction=True)
def test_a_step_message_and_its_log_line_go_out_in_one_write_without_the_interval(
    user: User,
) -> None:
    execution = running_execution(user)
    reporter = ProgressReporter(execution.pk, interval=600, debounce=0.005)
    reporter.step(1, 2, "Step 1 of 2")
    reporter.message("connecting")
    reporter.log("connected")  # no flush, and the interval is 10 minutes

    wait_until(lambda: TaskLogLine.objects.filter(execution=execution).exists(), timeout=10,
               what="the debounced write")  # fmt: skip
    execution.refresh_from_db()
    assert execution.message == "connecting"
    assert execution.seq == 1 + 2  # the step; then the message and the line in one write
