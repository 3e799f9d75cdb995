from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import events, launching, tracking
from task_manager.models import TaskExecution, TaskLogLine
from task_manager.payloads import status_event
from task_manager.tasks import demo
from task_manager.tracking import ProgressReporter, TaskCancelled
from testing.live import wait_until


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The messages pushed to clients, recorded instead of sent."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "publish", lambda groups, message: sent.append(message))
    return sent


def running_execution(user: User) -> TaskExecution:
    return TaskExecution.objects.create(
        user=user, task_id="t-1", name="demo", task_name="demo", status="STARTED"
    )


@pytest.mark.django_db
def test_a_burst_of_reports_is_one_write_with_the_last_state(
    user: User, django_assert_num_queries
) -> None:
    execution = running_execution(user)
    # A debounce as long as the interval: no background write can come in between.
    reporter = ProgressReporter(execution.pk, interval=60, debounce=60)
    reporter.step(1, 10, "first")  # the first report is written at once

    with django_assert_num_queries(0):
        for step in range(2, 10):
            reporter.step(step, 10, f"step {step}")
            reporter.advance(processed=1)
            reporter.log(f"line {step}")
    reporter.flush()

    execution.refresh_from_db()
    assert (execution.current_step, execution.message) == (9, "step 9")
    assert execution.processed_items == 8
    assert TaskLogLine.objects.count() == 8
    assert execution.seq == 2 + 8  # two state writes, eight log lines


@pytest.mark.django_db
def test_a_flush_that_writes_nothing_does_not_hold_back_the_first_report(user: User) -> None:
    # A task that checks for a cancel (an empty flush) just before its first report: that
    # report must still be written at once, not a coalescing interval later.
    execution = running_execution(user)
    reporter = ProgressReporter(execution.pk, interval=60)
    reporter.check_cancelled()
    reporter.step(1, 10, "first")

    execution.refresh_from_db()
    assert (execution.current_step, execution.message) == (1, "first")


@pytest.mark.django_db(transaction=True)
def test_the_last_state_is_delivered_even_when_the_task_goes_quiet(user: User) -> None:
    execution = running_execution(user)
    reporter = ProgressReporter(execution.pk, interval=0.05)
    reporter.step(1, 3, "first")
    reporter.step(2, 3, "then a long silent call")

    wait_until(
        lambda: TaskExecution.objects.get(pk=execution.pk).current_step == 2,
        timeout=5,
        what="the background flusher",
    )


@pytest.mark.django_db
def test_a_cancel_request_stops_the_task_at_its_next_report(user: User) -> None:
    execution = running_execution(user)
    reporter = ProgressReporter(execution.pk, interval=0)
    reporter.message("working")
    TaskExecution.objects.filter(pk=execution.pk).update(cancel_requested_at="2026-01-01T00:00Z")

    with pytest.raises(TaskCancelled):
        reporter.message("still working")
    with pytest.raises(TaskCancelled):
        reporter.check_cancelled()


@pytest.mark.django_db(transaction=True)
def test_a_decorated_task_run_in_process_is_tracked_end_to_end(user: User) -> None:
    result = demo.apply(kwargs={"steps": 3, "step_seconds": 0}, task_id="in-process-1")

    execution = TaskExecution.objects.get(task_id="in-process-1")
    assert result.get() == {"steps": 3}
    assert (execution.status, execution.progress) == ("SUCCESS", 100)
    assert (execution.name, execution.module, execution.title) == (
        "task_manager.demo",
        "demo",
        "Demo task",
    )
    assert (execution.current_step, execution.total_steps) == (3, 3)
    assert list(TaskLogLine.objects.order_by("seq").values_list("message", flat=True)) == [
        "step 1 started", "step 2 started", "step 3 started", "all steps done",
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_records_the_error_and_traceback(user: User) -> None:
    demo.apply(kwargs={"steps": 3, "step_seconds": 0, "fail_at_step": 2}, task_id="fails-1")

    execution = TaskExecution.objects.get(task_id="fails-1")
    assert execution.status == "FAILURE"
    assert execution.error == "RuntimeError: demo failure at step 2"
    assert "Traceback" in execution.traceback
    assert execution.current_step == 2


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_message_of_finished_work_does_not_run_again(user: User) -> None:
    TaskExecution.objects.create(
        user=user, task_id="done-1", name="demo", task_name="task_manager.demo", status="SUCCESS"
    )

    result = demo.apply(kwargs={"steps": 1, "step_seconds": 0}, task_id="done-1")

    assert result.state == "IGNORED"
    assert not TaskLogLine.objects.exists()


@pytest.mark.django_db
def test_user_tasks_are_active_first_then_newest(user: User, other_user: User) -> None:
    make: Any = TaskExecution.objects.create
    old_active = make(user=user, task_id="a", name="x", task_name="x", status="PROGRESS")
    done = make(user=user, task_id="b", name="x", task_name="x", status="SUCCESS")
    new_active = make(user=user, task_id="c", name="x", task_name="x", status="PENDING")
    make(user=other_user, task_id="d", name="x", task_name="x", status="PENDING")

    assert list(tracking.get_user_tasks(user)) == [new_active, old_active, done]


@pytest.mark.django_db
def test_module_stats_count_rates_and_durations(user: User) -> None:

    now = timezone.now()
    for index, status in enumerate(["SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "PROGRESS"]):
        TaskExecution.objects.create(
            user=user, task_id=f"s{index}", name="x", task_name="x", module="deploy",
            status=status, started_at=now - timedelta(seconds=10 * (index + 1)),
            finished_at=now if status in ("SUCCESS", "FAILURE") else None,
        )  # fmt: skip

    stats = tracking.get_module_stats("deploy", days=7)

    assert stats["total"] == 5
    assert stats["counts"]["SUCCESS"] == 3
    assert stats["success_rate"] == 0.75
    assert stats["avg_duration"] == 25.0
    assert stats["p95_duration"] == 40.0
    assert sum(day["total"] for day in stats["per_day"]) == 5
    assert tracking.get_module_stats("nothing")["total"] == 0


@pytest.mark.django_db
def test_plain_functions_track_code_without_the_decorator(user: User) -> None:
    execution = tracking.start_task_tracking("plain-1", name="reports.build", module="reports",
                                             title="Monthly report", user=user)  # fmt: skip
    tracking.update_task_progress("plain-1", progress=40, message="halfway")
    tracking.finish_task("plain-1", result={"rows": 3})

    execution.refresh_from_db()
    assert (execution.module, execution.status, execution.result) == (
        "reports", "SUCCESS", {"rows": 3},
    )  # fmt: skip
    assert launching.execution_is_cancel_requested(execution.pk) is False


# --- fan-out ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_fan_out_children_are_announced_as_created_under_their_parent(
    user: User, published: list, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    sent: list[Any] = []
    unsent = SimpleNamespace(apply_async=lambda: sent.append("children"))
    monkeypatch.setattr(tracking, "group", lambda signatures: unsent)
    parent = running_execution(user)

    # The parent locked with its user; per child an INSERT in a savepoint; the parent marked
    # waiting; its total_items (the row alone locked again, then its user read for the
    # status event of STARTED -> PROGRESS). No child is read back to be announced.
    with django_assert_num_queries(15), django_capture_on_commit_callbacks(execute=True):
        tracking.fan_out(parent.pk, [demo.s(steps=1), demo.s(steps=2)])

    children = list(TaskExecution.objects.filter(parent=parent).order_by("pk"))
    announced = [m for m in published if m["execution_id"] != parent.pk]
    assert sent == ["children"]
    assert len(children) == 2
    assert announced == [status_event(child) for child in children]
    assert announced[0]["execution"]["user"] == {"id": user.pk, "username": "ana"}
