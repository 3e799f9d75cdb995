"""var/ and what is in it are private to the user who runs TaskPulse."""

from __future__ import annotations

import stat
from pathlib import Path

from config.private_files import secure_var_dir, write_private
from config.settings.local import local_secret_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_write_private_makes_a_0600_file_even_over_a_0644_one(tmp_path: Path) -> None:
    fresh, existing = tmp_path / "new" / "secret", tmp_path / "old-secret"
    existing.write_text("old")
    existing.chmod(0o644)

    write_private(fresh, "one")
    write_private(existing, "two")

    assert (fresh.read_text(), existing.read_text()) == ("one", "two")
    assert mode(fresh) == mode(existing) == 0o600


def test_secure_var_dir_closes_what_an_older_version_left_open(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)  # explicit modes: `python -m stack exec` runs the tests with umask 077
    for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "secret_key", "flower_password"):
        (var / name).write_text("x")
        (var / name).chmod(0o644)
    for name in ("redis", "media"):
        (var / name).mkdir()
        (var / name).chmod(0o755)
    outside = tmp_path / "outside"
    outside.mkdir()
    outside.chmod(0o755)
    (var / "link").symlink_to(outside)

    secure_var_dir(var)

    assert mode(var) == 0o700
    for entry in var.iterdir():
        if not entry.is_symlink():
            assert mode(entry) == (0o700 if entry.is_dir() else 0o600), entry.name
    assert mode(outside) == 0o755  # a link is not followed


def test_secure_var_dir_leaves_a_shared_sticky_folder_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "someone-elses").write_text("x")
    (shared / "someone-elses").chmod(0o644)

    secure_var_dir(shared)

    assert mode(shared) == 0o1777
    assert mode(shared / "someone-elses") == 0o644


def test_the_local_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"

    key = local_secret_key(path)

    assert local_secret_key(path) == key
    assert mode(path) == 0o600
