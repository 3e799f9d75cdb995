"""ensure_admin and the hint `make run` shows about admin's password until admin logs in."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from task_manager.management.commands import ensure_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(ensure_admin, "VAR_DIR", tmp_path)
    monkeypatch.delenv("TASKPULSE_ADMIN_PASSWORD", raising=False)
    return tmp_path


def run(*args: str) -> str:
    out = StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_a_generated_password_is_kept_private_and_shown_at_every_start(var_dir: Path) -> None:
    printed = run()
    kept = (var_dir / "admin_password").read_text()

    assert kept in printed
    assert (var_dir / "admin_password").stat().st_mode & 0o777 == 0o600
    assert User.objects.get(username="admin").check_password(kept)
    assert run() == ""  # a second start changes nothing...
    assert kept in (ensure_admin.admin_login_hint() or "")  # ...and still shows it


def test_the_hint_goes_once_admin_has_logged_in(var_dir: Path) -> None:
    run()
    User.objects.filter(username="admin").update(last_login=timezone.now())

    assert ensure_admin.admin_login_hint() is None
    assert not (var_dir / "admin_password").exists()


def test_a_password_changed_elsewhere_is_not_shown_but_the_reset_command_is(
    var_dir: Path,
) -> None:
    run()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-in-the-admin")
    admin.save()

    hint = ensure_admin.admin_login_hint() or ""

    assert "changed-in-the-admin" not in hint
    assert (var_dir / "admin_password").read_text() not in hint
    assert "make admin-password" in hint


def test_reset_gives_a_new_password(var_dir: Path) -> None:
    run()
    first = (var_dir / "admin_password").read_text()

    printed = run("--reset")
    second = (var_dir / "admin_password").read_text()

    assert second != first
    assert second in printed
    assert User.objects.get(username="admin").check_password(second)


def test_the_environment_password_is_never_written_or_printed(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKPULSE_ADMIN_PASSWORD", "from-the-env-1")

    printed = run()

    assert User.objects.get(username="admin").check_password("from-the-env-1")
    assert "from-the-env-1" not in printed + (ensure_admin.admin_login_hint() or "")
    assert not (var_dir / "admin_password").exists()
