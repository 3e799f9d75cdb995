"""The statements of the hot paths, compiled once per connection instead of at every call.

A QuerySet compiles its SQL at every evaluation and looks up each column's converters for
every row it reads; on a progress write, a task's start and its end that was half of their
time (make bench), and the ORM's create a third of a tracked task's publish. A `Compiled`
query keeps both per thread (Django's connections are per thread) and builds its models
with the ORM's own converters and `Model.from_db`, so that what it returns is what the
QuerySet would have; a `CompiledCreate` is `objects.create()`'s INSERT.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)


class OnConnection(Protocol):
    db: BaseDatabaseWrapper


P = TypeVar("P", bound=OnConnection)


def this_threads(local: threading.local, make: Callable[[BaseDatabaseWrapper], P]) -> P:
    """The plan kept in `local` for this thread's connection (made for it if there is none)."""
    db = connections[DEFAULT_DB_ALIAS]
    plan: P | None = getattr(local, "plan", None)
    if plan is None or plan.db is not db:
        plan = local.plan = make(db)
    return plan


class Compiled(Generic[M]):
    """`queryset()` compiled on first use in each thread; `get(*params)` runs it with its
    parameters in place of the ones it was built with, and returns its first row's model."""

    def __init__(self, queryset: Callable[[], QuerySet[M]]) -> None:
        self.queryset = queryset
        self.local = threading.local()

    def plan(self) -> Plan[M]:
        return this_threads(self.local, lambda db: Plan(self.queryset(), db))

    def get(self, *params: Any) -> M | None:
        plan = self.plan()
        with plan.db.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        return None if row is None else plan.model(row)


class Plan(Generic[M]):
    """A query's SQL on one connection, the columns it selects and their converters."""

    def __init__(self, queryset: QuerySet[M], db: BaseDatabaseWrapper) -> None:
        compiler = queryset.query.get_compiler(connection=db)
        self.sql = compiler.as_sql()[0]
        selected = [column for column, _, _ in compiler.select]
        self.columns = [column.target.column for column in selected]
        self.attnames = [column.target.attname for column in selected]
        self.converters = list(compiler.get_converters(selected).items())
        self.model_class = queryset.model
        self.db = db

    def model(self, row: Sequence[Any]) -> M:
        """The model of a row of the selected columns, in their order (also an UPDATE's
        RETURNING of them)."""
        values = list(row)
        for position, (converters, expression) in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, expression, self.db)
            values[position] = value
        return self.model_class.from_db(self.db.alias, self.attnames, values)


class CompiledCreate(Generic[M]):
    """`Model.objects.create(**fields)` as one INSERT ... RETURNING compiled once per
    connection: what the ORM builds at every create. For models with no save() of their own
    and no pre_save/post_save receivers (neither runs here); every field's pre_save (auto_now)
    and value preparation does, as the ORM's own INSERT compiler does them."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        meta = model._meta
        self.fields = [f for f in meta.local_concrete_fields
                       if f is not meta.auto_field and not f.generated]  # fmt: skip
        self.local = threading.local()

    def plan(self) -> CreatePlan | None:
        plan = this_threads(self.local, lambda db: CreatePlan(self.model, self.fields, db))
        return plan if plan.sql else None

    def create(self, **fields: Any) -> M:
        plan = self.plan()
        if plan is None:  # a database that cannot return the new row's columns from its INSERT
            return self.model._default_manager.create(**fields)
        instance = self.model(**fields)
        params = [field.get_db_prep_save(field.pre_save(instance, True), plan.db)
                  for field in self.fields]  # fmt: skip
        with plan.db.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        for field, value in zip(plan.returning, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = plan.db.alias
        return instance


class CreatePlan:
    """A model's INSERT of `fields` on one connection, returning its db_returning_fields."""

    def __init__(self, model: type[Model], fields: list[Any], db: BaseDatabaseWrapper) -> None:
        self.db = db
        self.returning = model._meta.db_returning_fields
        self.sql = ""
        if db.features.can_return_columns_from_insert:
            query = InsertQuery(model)
            query.insert_values(fields, [model()])
            compiler = query.get_compiler(connection=db)
            compiler.returning_fields = self.returning
            [(self.sql, _)] = compiler.as_sql()
