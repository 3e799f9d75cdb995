"""SQLite's WAL checkpoints, moved off the hot path.

In WAL mode a commit appends to the -wal file; once it holds wal_autocheckpoint pages
(1,000 by default) the committing connection copies them into the database file and fsyncs
it, inside its COMMIT. On this machine that commit took 30-40 ms instead of 2-3 ms, once
every ~500 progress writes: the 1-client WebSocket p99 (make bench) was those commits.

So connections checkpoint themselves only past AUTOCHECKPOINT_PAGES (a safety valve, 40 MB
of WAL, should this thread fall behind), and one thread per process and database file runs
a PASSIVE checkpoint (it waits for no lock and blocks no writer) each CHECKPOINT_SECONDS in
which the WAL was written.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from config.threads import start_daemon

logger = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0
AUTOCHECKPOINT_PAGES = 10_000
PRAGMAS = f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES};"

_started: set[tuple[int, str]] = set()
_lock = threading.Lock()


def checkpoint_in_background(sender: Any = None, connection: Any = None, **_: Any) -> None:
    """connection_created receiver: start this process's checkpointer of an SQLite file."""
    if connection is None or connection.vendor != "sqlite":
        return
    path = str(connection.settings_dict["NAME"])
    if path == ":memory:" or path.startswith("file:"):
        return
    key = (os.getpid(), path)  # a forked child has no thread of its parent's
    with _lock:
        if key in _started:
            return
        _started.add(key)
    start_daemon(_checkpoints, name="taskpulse-wal-checkpoint", args=(Path(path),))


def _checkpoints(path: Path) -> None:
    wal, seen = Path(f"{path}-wal"), None
    database: sqlite3.Connection | None = None
    while True:
        time.sleep(CHECKPOINT_SECONDS)
        try:
            stamp = wal.stat().st_mtime_ns
            if stamp == seen:
                continue
            seen = stamp
            database = database or sqlite3.connect(path, timeout=0)
            database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except (OSError, sqlite3.Error) as error:  # a file gone (tests), or busy: next time
            logger.debug("WAL checkpoint of %s skipped: %s", path, error)
            if database is not None:
                database.close()
                database = None
