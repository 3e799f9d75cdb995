"""Cancelling: cooperative first, forced only by staff after the grace period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from task_manager import launching, lifecycle
from task_manager.models import TaskExecution
from task_manager.rules import Change
from task_manager.tests.factories import started_execution

NOW = timezone.now


@pytest.mark.django_db
class TestCancel:
    def test_a_queued_execution_is_revoked_at_once(self, user: User, published: list) -> None:
        execution = started_execution(user, status="PENDING", started_at=None)

        assert launching.execution_cancel(execution, by=user) == "REVOKED"

        execution.refresh_from_db()
        assert execution.status == "REVOKED"
        assert execution.started_at is None
        assert execution.message == "Cancelled before it started"

    def test_a_running_execution_is_asked_to_stop(self, user: User, published: list) -> None:
        execution = started_execution(user, status="PROGRESS")

        assert launching.execution_cancel(execution, by=user) == "cancelling"

        execution.refresh_from_db()
        assert execution.status == "PROGRESS"
        assert execution.cancel_requested_at is not None
        assert launching.execution_is_cancel_requested(execution.pk)
        assert lifecycle.execution_apply(execution.pk, Change(message="x")).cancel_requested

    def test_cancel_of_a_finished_execution_is_refused(self, user: User, published: list) -> None:
        execution = started_execution(user, status="SUCCESS")

        with pytest.raises(launching.ExecutionFinished):
            launching.execution_cancel(execution, by=user)

    def test_force_is_for_staff_after_the_grace_period(
        self, user: User, staff_user: User, published: list, settings
    ) -> None:
        settings.TASKPULSE_CANCEL_GRACE_SECONDS = 30
        execution = started_execution(user, status="PROGRESS")

        with pytest.raises(launching.CancelNotAllowed, match="cancel first"):
            launching.execution_cancel(execution, by=staff_user, force=True)
        launching.execution_cancel(execution, by=user)
        with pytest.raises(launching.CancelNotAllowed, match="only staff"):
            launching.execution_cancel(execution, by=user, force=True)
        with pytest.raises(launching.CancelNotAllowed, match="30s after the request"):
            launching.execution_cancel(execution, by=staff_user, force=True)
        TaskExecution.objects.filter(pk=execution.pk).update(
            cancel_requested_at=NOW() - timedelta(seconds=31)
        )

        assert launching.execution_cancel(execution, by=staff_user, force=True) == "REVOKED"
        execution.refresh_from_db()
        assert (execution.status, execution.message) == ("REVOKED", "Terminated by staff")


# --- sending -------------------------------------------------------------------------------


def broker_gives_up(*args: object, **kwargs: object) -> None:
    """What the Redis result backend raises after its reconnect loop (20 tries, 1 s apart)."""
    raise RuntimeError("Retry limit exceeded while trying to reconnect to the Celery result "
                       "store backend.")  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_launch_the_broker_did_not_take_is_stored_and_says_it_waits(
    user: User, published: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launching.celery_app, "send_task", broker_gives_up)

    execution = launching.execution_launch(task="task_manager.demo", user=user)

    assert launching.execution_waits_for_broker(execution)  # what the launcher answers with
    assert execution.message == launching.BROKER_DOWN_MESSAGE
    stored = TaskExecution.objects.get(pk=execution.pk)
    assert (stored.status, stored.queued_at, stored.message) == (
        "PENDING", None, launching.BROKER_DOWN_MESSAGE,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_send_makes_no_result_backend_call(
    user: User, published: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, object]] = []
    monkeypatch.setattr(launching.celery_app, "send_task",
                        lambda name, **options: sent.append(options))  # fmt: skip

    execution = launching.execution_launch(task="task_manager.demo", user=user)

    assert not launching.execution_waits_for_broker(execution)
    assert execution.queued_at is not None
    assert (sent[0]["ignore_result"], sent[0]["retry"]) == (True, False)


@pytest.mark.django_db(transaction=True)
def test_an_execution_records_the_queue_its_message_goes_to(
    user: User, published: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, object]] = []
    monkeypatch.setattr(launching.celery_app, "send_task",
                        lambda name, **options: sent.append(options))  # fmt: skip

    routed = launching.execution_launch(task="task_manager.demo", user=user)
    asked = launching.execution_launch(task="task_manager.demo", user=user,
                                       options={"queue": "slow"})  # fmt: skip

    # The Queues page counts an execution under its queue: the default one when none routes.
    assert routed.queue == launching.celery_app.conf.task_default_queue
    assert asked.queue == "slow"
    assert [options["queue"] for options in sent] == [routed.queue, "slow"]
