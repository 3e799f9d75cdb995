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
