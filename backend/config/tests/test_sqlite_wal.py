"""WAL checkpoints in the background: a commit never copies the WAL into the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

from config.sqlite_wal import AUTOCHECKPOINT_PAGES, PRAGMAS, checkpoint_in_background
from testing.live import wait_until


def test_commits_leave_the_wal_to_the_background_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    database = sqlite3.connect(path, isolation_level=None)
    database.executescript(f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; {PRAGMAS}")
    database.execute("CREATE TABLE t (x TEXT)")
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table's page is in the file
    empty = path.stat().st_size
    # About 1,500 pages: past SQLite's default of 1,000, under AUTOCHECKPOINT_PAGES.
    for _ in range(3000):
        database.execute("INSERT INTO t VALUES (?)", ["x" * 2000])
    assert database.execute("PRAGMA wal_autocheckpoint").fetchone() == (AUTOCHECKPOINT_PAGES,)
    assert path.stat().st_size == empty  # no commit copied the WAL into the file

    connection = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(path)})
    checkpoint_in_background(connection=connection)

    wait_until(lambda: path.stat().st_size > empty, timeout=30, what="a background checkpoint")
    assert database.execute("SELECT count(*) FROM t").fetchone() == (3000,)
