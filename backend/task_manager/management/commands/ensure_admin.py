"""Make sure the `admin` superuser exists (used by `make run` at every start).

A generated password is kept in var/admin_password (mode 0600) until admin first logs in,
so that `make run` can show it in its banner at every start until then, even when the
first start failed right after creating the user. `--reset` sets a new one
(`make admin-password`).
"""

from __future__ import annotations

import os
import secrets
from argparse import ArgumentParser
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from config.env import VAR_DIR

USERNAME = "admin"
RESET_COMMAND = "make admin-password"


def _password_file() -> Path:
    return VAR_DIR / "admin_password"


def _keep_password(password: str) -> None:
    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(password)


def admin_login_hint() -> str | None:
    """The banner's line about admin's password, or None once admin has logged in."""
    user = User.objects.filter(username=USERNAME).first()
    if user is None or user.last_login is not None:
        _password_file().unlink(missing_ok=True)
        return None
    if os.environ.get("TASKPULSE_ADMIN_PASSWORD"):
        return f"log in as {USERNAME} with the password in TASKPULSE_ADMIN_PASSWORD"
    try:
        kept = _password_file().read_text().strip()
    except FileNotFoundError:
        kept = ""
    if kept and user.check_password(kept):
        return f"log in as {USERNAME} with password {kept}  (new password: {RESET_COMMAND})"
    return f"log in as {USERNAME}; forgot its password? set a new one with: {RESET_COMMAND}"


class Command(BaseCommand):
    help = "Create the admin superuser if missing; TASKPULSE_ADMIN_PASSWORD sets its password."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="give admin a new generated password"
        )

    def handle(self, *args: object, **options: object) -> None:
        password = os.environ.get("TASKPULSE_ADMIN_PASSWORD", "")
        user = User.objects.filter(username=USERNAME).first()
        if user is not None and not password and not options["reset"]:
            return
        generated = not password or bool(options["reset"])
        if generated:
            password = secrets.token_urlsafe(12)
        if user is None:
            User.objects.create_superuser(USERNAME, email="", password=password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        if not generated:
            _password_file().unlink(missing_ok=True)
            return
        _keep_password(password)
        if options["verbosity"]:
            self.stdout.write(self.style.WARNING(f"User {USERNAME!r} password: {password}"))
