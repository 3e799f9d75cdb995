"""Compiled queries return what their QuerySet would, on each thread's own connection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connections, transaction

from task_manager.compiled import Compiled, CompiledCreate
from task_manager.models import TaskExecution
from task_manager.tests.factories import started_execution

by_task_id = Compiled(lambda: TaskExecution.objects.only("pk", "status").filter(task_id=""))
whole = Compiled(lambda: TaskExecution.objects.filter(pk=0))


def values(execution: TaskExecution) -> dict[str, object]:
    return {f.attname: getattr(execution, f.attname) for f in TaskExecution._meta.concrete_fields}


@pytest.mark.django_db
def test_a_whole_row_is_the_querysets_and_its_parameters_replace_the_built_ones(
    user: User, django_assert_num_queries
) -> None:
    execution = started_execution(user, args=[1], kwargs={"a": {"b": 2}}, progress=12.5)
    with django_assert_num_queries(1):
        got = whole.get(execution.pk)
    assert got is not None
    assert values(got) == values(TaskExecution.objects.get(pk=execution.pk))
    assert whole.get(execution.pk + 1) is None


@pytest.mark.django_db
def test_the_fields_left_out_are_deferred_as_only_defers_them(
    user: User, django_assert_num_queries
) -> None:
    execution = started_execution(user, message="hello")
    expected = TaskExecution.objects.only("pk", "status").get(pk=execution.pk)
    got = by_task_id.get(execution.task_id)
    assert got is not None
    assert (got.pk, got.status) == (execution.pk, "STARTED")
    assert got.get_deferred_fields() == expected.get_deferred_fields()
    with django_assert_num_queries(1):
        assert got.message == "hello"


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_it_on_its_own_connection(user: User) -> None:
    execution = started_execution(user)
    assert whole.get(execution.pk) is not None
    mine = whole.plan()

    def elsewhere() -> tuple[bool, bool]:
        try:
            found = whole.get(execution.pk)
            return found is not None and found.pk == execution.pk, whole.plan() is not mine
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(elsewhere).result() == (True, True)
    assert whole.plan() is mine
    assert mine.db is connections["default"]


create = CompiledCreate(TaskExecution)


@pytest.mark.django_db
def test_a_create_writes_the_row_the_orms_create_writes(
    user: User, django_assert_num_queries
) -> None:
    fields = {"task_name": "demo.x", "name": "demo.x", "module": "demo", "args": [1, "a"],
              "kwargs": {"k": None}, "steps": [{"name": "copy"}], "user": user}  # fmt: skip
    with django_assert_num_queries(1):
        made = create.create(task_id="compiled", **fields)
    expected = TaskExecution.objects.create(task_id="orm", **fields)

    assert (made._state.adding, made._state.db) == (False, "default")
    assert made.pk is not None
    assert None not in (made.created_at, made.updated_at)  # auto_now_add, auto_now
    assert values(TaskExecution.objects.get(pk=made.pk)) == values(made)
    own = {"id", "task_id", "created_at", "updated_at", "admitted_at"}  # this row's, and times

    def shared(execution: TaskExecution) -> dict[str, object]:
        return {k: v for k, v in values(execution).items() if k not in own}

    assert shared(made) == shared(TaskExecution.objects.get(pk=expected.pk))


@pytest.mark.django_db
def test_a_duplicate_is_the_orms_integrity_error(user: User) -> None:
    create.create(task_id="twice", task_name="demo.x", user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        create.create(task_id="twice", task_name="demo.x", user=user)
    assert TaskExecution.objects.filter(task_id="twice").count() == 1
