"""On PostgreSQL, the run ends the sessions its threads left open, so the test database can
be dropped (testing.database, used by the root conftest's django_db_setup)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from testing.database import end_other_sessions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def test_a_session_a_thread_left_open_is_ended() -> None:
    """A thread keeps its connection, as the poll thread does after its last poll."""
    backend: list[int] = []
    query = "SELECT pg_backend_pid() -- left open by a thread"

    def keep_a_connection() -> None:
        with connection.cursor() as cursor:
            cursor.execute(query)
            backend.append(cursor.fetchone()[0])

    thread = threading.Thread(target=keep_a_connection)
    thread.start()
    thread.join()

    ended = end_other_sessions()

    assert query in ended
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", backend)
        assert cursor.fetchone() == (0,)
