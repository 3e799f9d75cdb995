"""The locked write path: a status change saves only what it sets, with one seq."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from task_manager import writes
from task_manager.models import TaskExecution
from task_manager.tests.factories import started_execution

NOW = timezone.now


@pytest.mark.django_db
class TestStatus:
    def test_a_status_change_saves_only_the_fields_it_sets(
        self, user: User, published: list
    ) -> None:
        execution = started_execution(user, status="STARTED")
        queued_at = NOW() - timedelta(seconds=5)
        with transaction.atomic():
            locked = writes.execution_lock(execution.pk)
            # execution_send stamps queued_at without the row lock: it must survive.
            TaskExecution.objects.filter(pk=execution.pk).update(queued_at=queued_at)
            writes.execution_set_status(locked, "RETRY", message="Retrying", attempt=2)

        execution.refresh_from_db()
        assert (execution.status, execution.message, execution.attempt) == ("RETRY", "Retrying", 2)
        assert execution.queued_at == queued_at
        assert execution.updated_at == locked.updated_at > execution.created_at
        assert execution.seq == 1

    def test_a_transition_that_is_not_allowed_writes_nothing(
        self, user: User, published: list, django_assert_num_queries
    ) -> None:
        execution = started_execution(user, status="SUCCESS")

        with django_assert_num_queries(0):
            assert not writes.execution_set_status(execution, "STARTED", worker="w")

        execution.refresh_from_db()
        assert (execution.status, execution.worker, execution.seq) == ("SUCCESS", "", 0)
        assert published == []


def field_values(execution: TaskExecution) -> dict[str, object]:
    return {f.attname: getattr(execution, f.attname) for f in TaskExecution._meta.concrete_fields}


@pytest.mark.django_db
class TestLockRow:
    def test_the_row_is_read_whole_with_its_json_and_its_user_on_demand(
        self, user: User, django_assert_num_queries
    ) -> None:
        execution = started_execution(user, args=[1, "a"], steps=[{"name": "copy"}])
        with transaction.atomic():
            with django_assert_num_queries(1):
                locked = writes.execution_lock_row(execution.pk)
            assert (locked.args, locked.steps) == ([1, "a"], [{"name": "copy"}])
            assert locked.started_at == execution.started_at
            assert field_values(locked) == field_values(TaskExecution.objects.get(pk=execution.pk))
            assert (locked._state.adding, locked._state.db) == (False, "default")
            with django_assert_num_queries(1):
                assert locked.user == user

    def test_an_unknown_row_is_does_not_exist(self, user: User) -> None:
        execution = started_execution(user)
        with pytest.raises(TaskExecution.DoesNotExist):
            writes.execution_lock_row(execution.pk + 1)


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused(user: User) -> None:
    execution = started_execution(user)
    with pytest.raises(transaction.TransactionManagementError):
        writes.execution_lock_row(execution.pk)
