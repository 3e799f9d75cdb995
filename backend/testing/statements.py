"""The SQL statements one tracked task costs: its publish, then its run, counted with
Django's CaptureQueriesContext (tests and `make bench` report the same figure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from celery import Task, signals, uuid
from django.db import connection
from django.test.utils import CaptureQueriesContext

TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)')
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def rows(statements: list[str]) -> list[str]:
    """The statements that touch rows, without transaction control."""
    return [sql for sql in statements if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)]


def describe(sql: str) -> str:
    """A statement's verb and table ("UPDATE task_manager_taskexecution"), or its first words."""
    table = TABLE.search(sql)
    return f"{sql.split()[0]} {table.group(1)}" if table else " ".join(sql.split()[:2])


@dataclass(frozen=True)
class TaskStatements:
    """What a tracked task wrote and read: on the sender's side, and on the worker's."""

    sent: list[str]
    ran: list[str]

    @property
    def total(self) -> int:
        """Statements that read or write rows (not BEGIN, COMMIT or savepoints)."""
        return len(rows(self.sent)) + len(rows(self.ran))

    @staticmethod
    def summary(statements: list[str]) -> str:
        """Each statement's verb and table: "SELECT task_manager_taskexecution, BEGIN, ..."."""
        return ", ".join(describe(sql) for sql in statements)


def tracked_task_statements(task: Task) -> TaskStatements:
    """Publish one message of `task` as Celery's producer announces it (the
    before_task_publish signal, no broker), then run it here as a worker does (task.apply:
    prerun, body, success and postrun signals)."""
    task_id = uuid()
    with CaptureQueriesContext(connection) as sent:
        signals.before_task_publish.send(
            sender=task.name, body=((), {}, {}), exchange="", routing_key="celery",
            headers={"id": task_id, "task": task.name}, properties={}, declare=[],
            retry_policy=None,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as ran:
        task.apply(task_id=task_id)
    return TaskStatements([q["sql"] for q in sent], [q["sql"] for q in ran])
