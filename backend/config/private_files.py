"""Files under var/ are private to the user who runs TaskPulse.

var/ holds the SQLite database (API tokens and sessions in clear), the secret key, Flower's
and the embedded Redis's passwords: on a shared machine nobody else may read them. The folder
is 0700 and what is in it 0600; `python -m stack` also runs every process with umask 077, so
that what they create later (SQLite's -wal and -shm files, Redis's data) is born private.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
PRIVATE_UMASK = 0o077


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file that is 0600 from its first byte (no window at 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)  # when it existed with wider bits
        handle.write(text)


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it 0700."""
    path.mkdir(parents=True, exist_ok=True)
    if ours(path):
        path.chmod(PRIVATE_DIR)
    return path


def ours(path: Path) -> bool:
    """Owned by this user and not a shared sticky folder such as /tmp: ours to chmod."""
    info = path.lstat()
    return info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX


def secure_var_dir(var_dir: Path) -> Path:
    """var/ 0700, each of its files 0600 and folders 0700 (those an older version made 0644
    or 0755: db.sqlite3 and its -wal/-shm, secret_key, flower_password, redis/, media/...)."""
    private_dir(var_dir)
    if not ours(var_dir):
        return var_dir  # someone else's or a shared folder: not ours to change
    for entry in var_dir.iterdir():
        if entry.is_symlink() or not ours(entry):
            continue
        entry.chmod(PRIVATE_DIR if entry.is_dir() else PRIVATE_FILE)
    return var_dir
