"""An execution's life: registered, its reports applied with one seq each, its end, and
a parent advanced by its children."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import close_old_connections
from django.utils import timezone

from task_manager import held_starts, launching, lifecycle
from task_manager.models import TaskExecution, TaskLogLine, TaskNotification, TaskTemplate
from task_manager.payloads import status_event
from task_manager.rules import Change
from task_manager.tests.factories import started_execution

NOW = timezone.now


@pytest.mark.django_db
class TestPublished:
    def test_a_new_execution_is_announced_without_reading_it_back(
        self, published: list, django_assert_num_queries, django_capture_on_commit_callbacks
    ) -> None:
        # The INSERT in a savepoint, no SELECT before it; nothing after the commit.
        with django_assert_num_queries(3), django_capture_on_commit_callbacks(execute=True):
            execution = lifecycle.execution_register_published(
                task_id="sent-1", task_name="demo.x", args=[1], kwargs={}, queue="q"
            )

        [(audience, message)] = published
        assert audience == ["executions.all"]
        assert message == status_event(TaskExecution.objects.get(pk=execution.pk))
        assert message["execution"]["status"] == "PENDING"

    def test_of_an_owned_execution_only_the_owner_is_read(
        self, user: User, published: list, django_assert_num_queries,
        django_capture_on_commit_callbacks,
    ) -> None:  # fmt: skip
        # The same three, and after the commit the owner's name, which the event carries.
        with django_assert_num_queries(4), django_capture_on_commit_callbacks(execute=True):
            execution = lifecycle.execution_register_published(
                task_id="sent-2", task_name="demo.x", args=[], kwargs={}, queue="", user_id=user.pk
            )

        [(audience, message)] = published
        assert f"executions.user.{user.pk}" in audience
        assert message == status_event(TaskExecution.objects.get(pk=execution.pk))
        assert message["execution"]["user"] == {"id": user.pk, "username": "ana"}

    def test_a_message_sent_again_announces_nothing(
        self, user: User, published: list, django_capture_on_commit_callbacks
    ) -> None:
        execution = started_execution(user, status="PENDING", started_at=None)
        with django_capture_on_commit_callbacks(execute=True):
            again = lifecycle.execution_register_published(
                task_id=execution.task_id, task_name="demo.x", args=[], kwargs={}, queue=""
            )

        assert again == execution
        assert published == []

    def test_the_message_of_a_launched_execution_registers_nothing(
        self, user: User, published: list, django_assert_num_queries
    ) -> None:
        # execution_launch and fan_out make the row first and mark their messages.
        from task_manager.signals import on_before_task_publish

        with django_assert_num_queries(0):
            on_before_task_publish(
                sender="demo.x", headers={"id": "launched-1", launching.REGISTERED_HEADER: "1"},
                body=([], {}, {}), routing_key="celery",
            )  # fmt: skip

        assert not TaskExecution.objects.filter(task_id="launched-1").exists()


@pytest.mark.django_db
class TestApply:
    def test_each_state_change_and_each_log_line_take_one_seq(
        self, user: User, published: list, django_capture_on_commit_callbacks
    ) -> None:
        execution = started_execution(user)
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.execution_apply(
                execution.pk,
                Change(current_step=2, total_steps=4, message="copying",
                       logs=[(NOW(), "INFO", "a"), (NOW(), "WARNING", "b")]),
            )  # fmt: skip

        execution.refresh_from_db()
        assert execution.seq == 3
        assert execution.status == "PROGRESS"
        assert execution.progress == 25.0  # step 2 of 4 started: one step done
        lines = list(TaskLogLine.objects.values_list("seq", "level", "message"))
        assert sorted(lines) == [(2, "INFO", "a"), (3, "WARNING", "b")]
        (audience, status), (log_groups, log) = published
        assert set(audience) == {"executions.all", f"executions.user.{user.pk}"}
        assert (status["type"], status["seq"]) == ("task.status", 1)
        assert log_groups == [f"execution.{execution.pk}"]
        assert [line["seq"] for line in log["lines"]] == [2, 3]

    def test_progress_never_goes_backwards(self, user: User, published: list) -> None:
        execution = started_execution(user, status="PROGRESS")
        lifecycle.execution_apply(execution.pk, Change(progress=60))
        lifecycle.execution_apply(execution.pk, Change(progress=30, message="later"))

        execution.refresh_from_db()
        assert execution.progress == 60
        assert execution.message == "later"
        assert execution.seq == 2

    def test_items_drive_progress_and_deltas_add(self, user: User, published: list) -> None:
        execution = started_execution(user)
        lifecycle.execution_apply(execution.pk, Change(total_items=8))
        lifecycle.execution_apply(execution.pk, Change(processed_delta=3, failed_delta=1))

        execution.refresh_from_db()
        assert (execution.processed_items, execution.failed_items) == (3, 1)
        assert execution.progress == 50.0

    def test_no_change_takes_no_seq_and_a_finished_execution_ignores_reports(
        self, user: User, published: list
    ) -> None:
        running = started_execution(user, status="PROGRESS", message="same")
        done = started_execution(user, status="SUCCESS", progress=100, seq=5)

        lifecycle.execution_apply(running.pk, Change(message="same"))
        lifecycle.execution_apply(done.pk, Change(progress=10, logs=[(NOW(), "INFO", "late")]))

        running.refresh_from_db()
        done.refresh_from_db()
        assert running.seq == 0
        assert (done.seq, done.progress) == (5, 100)
        assert not TaskLogLine.objects.exists()
        assert published == []

    def test_out_of_range_values_are_clamped(self, user: User, published: list) -> None:
        execution = started_execution(user)
        lifecycle.execution_apply(execution.pk, Change(progress=250, processed_items=-4))

        execution.refresh_from_db()
        assert (execution.progress, execution.processed_items) == (100, 0)


@pytest.mark.django_db
class TestFinish:
    def test_success_ends_at_100_and_notifies_the_owner(
        self, user: User, published: list, django_capture_on_commit_callbacks
    ) -> None:
        execution = started_execution(user, title="Deploy web-01", progress=40)
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.execution_finish(execution.task_id, "SUCCESS", result={"ip": "10.0.0.9"})

        execution.refresh_from_db()
        assert (execution.status, execution.progress) == ("SUCCESS", 100)
        assert execution.result == {"ip": "10.0.0.9"}
        assert execution.finished_at is not None
        notification = TaskNotification.objects.get()
        assert (notification.level, notification.title) == ("success", "Deploy web-01 finished")
        assert published[-1] == (
            [f"notifications.user.{user.pk}"],
            {"type": "notification", "notification": published[-1][1]["notification"]},
        )
        assert published[-1][1]["notification"]["execution_id"] == execution.pk

    def test_a_finished_execution_never_changes_status_again(
        self, user: User, published: list
    ) -> None:
        execution = started_execution(user)
        lifecycle.execution_finish(execution.task_id, "FAILURE", error="ValueError: bad")
        lifecycle.execution_finish(execution.task_id, "SUCCESS")
        held_starts.execution_mark_started(execution.task_id, worker="w", attempt=2)

        execution.refresh_from_db()
        assert execution.status == "FAILURE"
        assert execution.message == "Failed: ValueError: bad"
        assert TaskNotification.objects.get().level == "error"

    def test_a_template_can_opt_out_of_notifications(self, user: User, published: list) -> None:
        template = TaskTemplate.objects.create(
            name="quiet", module="demo", task_name="demo.x", notify_on_finish=False
        )
        execution = started_execution(user, template=template)
        lifecycle.execution_finish(execution.task_id, "SUCCESS")

        assert not TaskNotification.objects.exists()

    def test_parent_waits_for_its_children_then_reports_the_failed_count(
        self, user: User, published: list
    ) -> None:
        parent = started_execution(user, waits_for_children=True, total_items=3)
        children = [started_execution(user, parent=parent) for _ in range(3)]

        lifecycle.execution_finish(parent.task_id, "SUCCESS", result=3)
        parent.refresh_from_db()
        assert parent.status == "STARTED"  # the parent task returned, its children run on

        lifecycle.execution_finish(children[0].task_id, "SUCCESS")
        lifecycle.execution_finish(children[1].task_id, "FAILURE", error="boom")
        parent.refresh_from_db()
        assert (parent.processed_items, parent.failed_items, parent.is_active) == (1, 1, True)

        lifecycle.execution_finish(children[2].task_id, "SUCCESS")
        parent.refresh_from_db()
        assert parent.status == "FAILURE"
        assert parent.error == "1 of 3 child tasks failed"
        assert parent.message == "3 finished, 1 failed"
        assert parent.result == 3
        assert TaskNotification.objects.filter(execution__parent=parent).count() == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_increments_of_one_record_are_never_lost(user: User, published: list) -> None:
    """Many threads (each with its own database connection) advance one execution at once."""
    execution = started_execution(user, total_items=400)
    errors: list[BaseException] = []

    def advance() -> None:
        try:
            for _ in range(25):
                lifecycle.execution_apply(execution.pk, Change(processed_delta=1))
                lifecycle.execution_apply(execution.pk, Change(failed_delta=1))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=advance) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    execution.refresh_from_db()
    assert errors == []
    assert (execution.processed_items, execution.failed_items) == (200, 200)
    assert execution.seq == 400
    assert execution.progress == 100
