"""What tracking a task costs the database, counted in statements (CaptureQueriesContext)."""

from __future__ import annotations

import pytest

from task_manager import rollups
from task_manager.models import ExecutionRollup, TaskExecution
from testing.statements import rows, tracked_task_statements
from testing.tasks import tracked_noop

pytestmark = pytest.mark.django_db(transaction=True)


def first_words(statements: list[str]) -> list[str]:
    return [sql.split()[0] for sql in statements]


def test_a_tracked_task_costs_an_insert_a_read_and_one_update_returning(
    published, settings
) -> None:
    settings.TASKPULSE_PROGRESS_INTERVAL_MS = 60_000  # the start is always written by the end
    settings.TASKPULSE_ROLLUP_FLUSH_SECONDS = 60  # as in production: the rollup comes later
    try:
        counted = tracked_task_statements(tracked_noop)
    finally:
        rollups.pending.discard()

    said = f"sent: {counted.summary(counted.sent)}; ran: {counted.summary(counted.ran)}"
    print(f"statements per tracked task: {counted.total} ({said})")
    # Sent: the row, inserted on its own (no transaction around one statement).
    assert first_words(counted.sent) == ["INSERT"]
    # Ran: the start reads the row (a redelivered end, a cancel asked before the start, a
    # second copy of a running task); the end is one UPDATE ... RETURNING with the held
    # start in it (SQLite: inside BEGIN IMMEDIATE ... COMMIT, which holds the row for the
    # finished hooks; PostgreSQL's UPDATE holds it).
    ran = rows(counted.ran)
    assert first_words(ran) == ["SELECT", "UPDATE"]
    assert "RETURNING" in ran[1]
    # Neither reads the long texts a start or an end does not need.
    assert '"args"' not in ran[0]
    assert '"steps"' not in ran[0]
    assert '"args"' not in ran[1].split("RETURNING")[1]
    assert counted.total == 3
    execution = TaskExecution.objects.get()
    assert (execution.status, execution.seq, execution.progress) == ("SUCCESS", 1, 100)
    assert execution.started_at is not None
    assert execution.owner
    assert [m["execution"]["status"] for _, m in published] == ["PENDING", "SUCCESS"]


def test_ends_are_rolled_up_later_in_one_transaction_for_many(settings, monkeypatch) -> None:
    """A burst of ends costs the metrics a few statements, not two per end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.TASKPULSE_ROLLUP_FLUSH_SECONDS = 60
    # Every end in one minute: a burst across a minute's end has two minute rows to update.
    instant = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    try:
        for _ in range(20):
            tracked_task_statements(tracked_noop)
        assert not ExecutionRollup.objects.exists()  # counted in memory, not written yet
    except BaseException:
        rollups.pending.discard()
        raise

    with CaptureQueriesContext(connection) as flushed:
        rollups.pending.flush()

    # The minute, hour, day and all-time rows of one task gain the same: one INSERT of the
    # rows, one UPDATE of the four.
    assert first_words(rows([q["sql"] for q in flushed.captured_queries])) == ["INSERT", "UPDATE"]
    assert {row.period: row.succeeded for row in ExecutionRollup.objects.all()} == {
        "m": 20,
        "h": 20,
        "d": 20,
        "t": 20,
    }
