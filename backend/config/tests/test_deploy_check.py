"""`python manage.py check --deploy` on the production settings, as an operator runs it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from config.env import BASE_DIR

# What README's "Security" section tells an operator behind TLS to set.
BEHIND_TLS = {
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def check_deploy(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),  # a proper key: 50 random characters
        "TASKPULSE_VAR_DIR": str(tmp_path / "var"),
        **environ,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_behind_tls_with_a_proper_secret_key(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, **BEHIND_TLS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_the_operator_has_not_turned_on(tmp_path: Path) -> None:
    result = check_deploy(tmp_path)
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "security.W004" in output  # SECURE_HSTS_SECONDS
    assert "security.W008" in output  # SECURE_SSL_REDIRECT


@pytest.mark.django_db
def test_the_ssl_redirect_spares_the_health_check_only(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new client loads SecurityMiddleware with the setting on

    page = client.get("/tasks/")
    health = client.get("/api/health/", headers={"Accept": "application/json"})

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/tasks/"
    assert health.status_code != 301


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "('HTTP_X_FORWARDED_PROTO', 'https')"), ("X-Scheme", "('HTTP_X_SCHEME', 'https')"),
     ("off", "None")],
)  # fmt: skip
def test_the_proxys_https_header_comes_from_the_environment(
    tmp_path: Path, value: str | None, expected: str
) -> None:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50), "TASKPULSE_VAR_DIR": str(tmp_path / "var"),
    }  # fmt: skip
    env.pop("SECURE_PROXY_SSL_HEADER", None)
    if value is not None:
        env["SECURE_PROXY_SSL_HEADER"] = value
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip

    assert result.stdout.strip().splitlines()[-1] == expected
