"""What tracking a task costs the database, counted in statements (CaptureQueriesContext)."""

from __future__ import annotations

import pytest

from task_manager.models import TaskExecution
from testing.statements import rows, tracked_task_statements
from testing.tasks import tracked_noop

pytestmark = pytest.mark.django_db(transaction=True)


def first_words(statements: list[str]) -> list[str]:
    return [sql.split()[0] for sql in statements]


def test_a_tracked_task_costs_an_insert_a_read_and_one_update_returning(
    published, settings
) -> None:
    settings.TASKPULSE_PROGRESS_INTERVAL_MS = 60_000  # the start is always written by the end
    counted = tracked_task_statements(tracked_noop)

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
    assert ran[1].rstrip().endswith("RETURNING *")
    assert counted.total == 3
    execution = TaskExecution.objects.get()
    assert (execution.status, execution.seq, execution.progress) == ("SUCCESS", 1, 100)
    assert execution.started_at is not None
    assert execution.owner
    assert [m["execution"]["status"] for _, m in published] == ["PENDING", "SUCCESS"]
