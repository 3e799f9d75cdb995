"""The test database at the end of the run."""

from __future__ import annotations

import time

from django.db import connection

# pg_terminate_backend only signals a backend: it leaves pg_stat_activity a moment later.
ENDED_WITHIN_SECONDS = 5.0


def end_other_sessions() -> list[str]:
    """End every other session on the test database (PostgreSQL), so that it can be dropped;
    returns what each was doing last, once they are gone (or ENDED_WITHIN_SECONDS passed).

    Threads of the test process keep their connections as Django keeps them in any thread:
    the poll thread (config/api/polls.py) closes its own at its next poll, which never
    comes after the last test, and asgiref's threads hold those of the consumers' tests.
    They made the drop fail ("being accessed by other users") and left the database behind.
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, left(query, 80), pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        ended = cursor.fetchall()
        pids, deadline = [pid for pid, _, _ in ended], time.monotonic() + ENDED_WITHIN_SECONDS
        while pids and time.monotonic() < deadline:
            time.sleep(0.02)
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            pids = [pid for (pid,) in cursor.fetchall()]
    return [query for _, query, _ in ended]
