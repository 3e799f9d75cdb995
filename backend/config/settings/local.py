"""Settings of `make run` on a workstation: a secret key kept under var/ when unset."""

import secrets
from pathlib import Path

from config.env import VAR_DIR
from config.private_files import write_private
from config.settings.base import *  # noqa: F403


def local_secret_key(path: Path = VAR_DIR / "secret_key") -> str:
    """A key kept under var/ so that sessions survive restarts of a local run."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        write_private(path, key)
        return key


SECRET_KEY = SECRET_KEY or local_secret_key()  # noqa: F405
