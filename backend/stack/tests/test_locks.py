"""The lock files agree with pyproject.toml (uv's own check), and the image installs the lock."""

from __future__ import annotations

from stack import locks


def test_the_locks_are_what_uv_compiles_from_pyproject() -> None:
    assert locks.check() == []


def test_the_django6_lock_is_on_django_6() -> None:
    pins = dict(
        line.split(" ", 1)[0].split("==") for line in locks.DJANGO6_LOCK.read_text().splitlines()
        if "==" in line and not line.startswith(" ")
    )  # fmt: skip
    assert pins["django"].startswith("6.")
    assert "django-tasks-db" in pins


def test_every_lock_pins_each_package_with_hashes() -> None:
    for path in [*locks.EXPORTS, locks.DJANGO6_LOCK]:
        pins = [line for line in path.read_text().splitlines() if "==" in line]
        assert pins, path
        for pin in pins:
            assert pin.rstrip().endswith("\\"), f"{path.name}: {pin} has no hash"
