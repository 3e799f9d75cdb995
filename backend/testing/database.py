"""The test database at the end of the run."""

from __future__ import annotations

from django.db import connection


def end_other_sessions() -> list[str]:
    """End every other session on the test database (PostgreSQL), so that it can be dropped;
    returns what each was doing last.

    Threads of the test process keep their connections as Django keeps them in any thread:
    the poll thread (config/api/polls.py) closes its own at its next poll, which never
    comes after the last test, and asgiref's threads hold those of the consumers' tests.
    They made the drop fail ("being accessed by other users") and left the database behind.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(query, 80), pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [query for query, _ in cursor.fetchall()]
