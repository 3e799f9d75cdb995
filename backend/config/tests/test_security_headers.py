"""Content-Security-Policy and Permissions-Policy on every kind of answer of the web process.

The browser suite (frontend/e2e/staff.spec.ts) proves that the pages work under them: a
violation is a console error there, and a console error fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cluster.flower_proxy import source_hash

pytestmark = pytest.mark.django_db

# What every page must say, whatever a view widens.
BASELINE = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "connect-src": "'self'",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_secure_headers(response: Any) -> dict[str, list[str]]:
    directives = policy(response)
    for name, source in BASELINE.items():
        assert directives[name] == [source], (name, response["Content-Security-Policy"])
    for name in ("script-src", "style-src"):
        assert "'unsafe-eval'" not in directives[name]
    assert "'unsafe-inline'" not in directives["script-src"]
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", feature
    return directives


@pytest.fixture
def built_app(settings: Any, tmp_path: Path) -> Path:
    """A stand-in for frontend/dist, served as WhiteNoise and spa_index serve the real one."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "index.html").write_text(
        '<div id="root"></div><script src="/assets/index-abc123.js">'
    )
    settings.FRONTEND_DIST = tmp_path
    settings.WHITENOISE_ROOT = tmp_path
    return tmp_path


def test_every_kind_of_answer_carries_both_policies(built_app: Path) -> None:
    client = Client()  # a new client loads the middleware, WhiteNoise with the stand-in build
    answers = {
        "the React app": ("/tasks/12", 200),
        "a built asset (WhiteNoise)": ("/assets/index-abc123.js", 200),
        "the API": ("/api/auth/me/", 200),
        "an API 404": ("/api/no/such/thing/", 404),
        "a page 404": ("/static/no-such-file.css", 404),
        "the admin's login page": ("/admin/login/", 200),
        "a redirect": ("/flower", 302),
    }

    for what, (path, status) in answers.items():
        response = client.get(path)
        assert response.status_code == status, (what, response.status_code)
        directives = assert_secure_headers(response)
        # No page of these has inline code: no nonce is spent on them.
        assert not [s for s in directives["script-src"] if s.startswith("'nonce-")], what


def test_swagger_ui_runs_its_inline_code_by_this_answers_nonce_only() -> None:
    first, second = Client().get("/api/docs/"), Client().get("/api/docs/")
    html = first.content.decode()

    directives = assert_secure_headers(first)
    [nonce] = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert nonce in directives["style-src"]
    value = nonce.removeprefix("'nonce-").removesuffix("'")
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    assert {tag for tag, _ in inline} == {"script", "style"}
    for tag, attributes in inline:
        assert f'nonce="{value}"' in attributes, tag
    assert policy(second)["script-src"] != directives["script-src"]  # a new nonce per answer


def test_redoc_may_style_inline_and_start_its_search_worker_but_not_run_inline_scripts() -> None:
    response = Client().get("/api/redoc/")
    html = response.content.decode()

    directives = assert_secure_headers(response)
    assert "'unsafe-inline'" in directives["style-src"]
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert directives["img-src"] == ["'self'", "data:"]  # Redoc's CDN logo stays refused
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_refusals_of_the_flower_proxy_carry_the_policies_too() -> None:
    anonymous = Client().get("/flower/")

    assert anonymous.status_code == 302
    assert_secure_headers(anonymous)


def test_source_hash_is_the_browsers_sha256_of_the_exact_text() -> None:
    # The hash Chromium printed for Flower's workers-page script, in its refusal message.
    assert source_hash("\nvar autorefresh = 1;\n") == (
        "'sha256-A0YIP5A+DKoseGAUTHRoMPDkKPK5cKzfYH3mjcCKtj8='"
    )
