"""Database connections that the server dropped: the writes that must land anyway, and the
errors a task is retried for.

A PostgreSQL server may drop a connection at any time (a restart, a failover, an idle
timeout of a proxy, pg_terminate_backend). Django opens a new connection only in place of
one it closed, and it closes one only when a transaction fails on it: a connection that
failed outside a transaction stays broken, and every later query on it fails again ("the
connection is lost"). So an execution's end is written again on a new connection when the
first try fails that way (`on_fresh_connection`), and a task whose query failed so is
retried, not failed (TRANSIENT_DATABASE_ERRORS): its work was fine, the database was away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A connection lost or refused, a server shutting down, a deadlock or a locked SQLite file:
# another try later may well succeed.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


def drop_broken_connection() -> None:
    """Close this thread's connection, unless a transaction holds it: the next query opens
    a new one."""
    if not connection.in_atomic_block:
        connection.close()


def on_fresh_connection(write: Callable[[], T]) -> T:
    """Run a write that must land; once more, on a new connection, when the connection it
    used was dropped (never inside a transaction: that one's caller decides)."""
    try:
        return write()
    except TRANSIENT_DATABASE_ERRORS:
        if connection.in_atomic_block:
            raise
        logger.warning("database connection lost; writing again on a new one", exc_info=True)
        connection.close()
        return write()
