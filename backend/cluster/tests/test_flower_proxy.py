"""The /flower/ dashboard proxy against a fake Flower."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cluster.flower_proxy import FLOWER_INLINE_SCRIPTS, FLOWER_STYLE_ATTRIBUTES, source_hash
from cluster.tests.conftest import StartFlower
from cluster.tests.fake_cluster import WORKER, closed_port_url
from testing.fake_flower import Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_fallback")]


# --- the /flower/ dashboard proxy ---------------------------------------------------------------


@pytest.fixture
def staff_browser(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_the_proxy_forwards_to_flower_with_its_credentials_only(
    flower: StartFlower, staff_browser: Client
) -> None:
    page = Reply(
        200, "<html>Flower dashboard</html>",
        {"Set-Cookie": "_xsrf=abc; Path=/", "X-Flower": "yes", "Cache-Control": "no-cache"},
    )  # fmt: skip
    server = flower({"/flower/workers": page})

    response = staff_browser.get(
        "/flower/workers?json=1&x=%2F", headers={"Authorization": "Token secret", "X-Extra": "1"}
    )

    assert response.status_code == 200
    assert body_of(response) == b"<html>Flower dashboard</html>"
    assert response["X-Flower"] == "yes"
    assert "Set-Cookie" not in response
    [seen] = server.seen
    assert (seen.method, seen.path, seen.query) == ("GET", "/flower/workers", "json=1&x=%2F")
    expected = "Basic " + base64.b64encode(b"flower:flower-password").decode()
    assert seen.headers["Authorization"] == expected
    assert "Cookie" not in seen.headers
    assert seen.headers["X-Extra"] == "1"


def test_a_cookie_flower_sets_is_never_sent_back_with_a_later_request(
    flower: StartFlower, staff_browser: Client
) -> None:
    """One Session serves every user: a cookie kept from one answer would go with all."""
    page = Reply(200, "<html>Flower</html>", {"Set-Cookie": "_xsrf=2|one-users-token; Path=/"})
    server = flower({"/flower/": page, "/flower/workers": page})

    first = staff_browser.get("/flower/")
    second = staff_browser.get("/flower/workers")

    assert first.status_code == second.status_code == 200
    assert [seen.path for seen in server.seen] == ["/flower/", "/flower/workers"]
    assert all("Cookie" not in seen.headers for seen in server.seen)


def test_the_proxy_passes_same_site_posts_and_refuses_cross_site_ones(
    flower: StartFlower, staff_browser: Client
) -> None:
    path = f"/flower/api/worker/pool/grow/{WORKER}"
    server = flower({path: Reply(body={"message": "Growing"})})

    same = staff_browser.post(
        f"{path}?n=1", "a=b", content_type="application/x-www-form-urlencoded",
        headers={"Origin": "http://testserver"},
    )  # fmt: skip
    fetch_meta = staff_browser.post(path, headers={"Sec-Fetch-Site": "same-origin"})
    cross = staff_browser.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    foreign = staff_browser.post(path, headers={"Origin": "https://evil.example"})
    bare = staff_browser.post(path)

    assert same.status_code == fetch_meta.status_code == 200
    assert cross.status_code == foreign.status_code == bare.status_code == 403
    assert [(seen.method, seen.query) for seen in server.seen] == [("POST", "n=1"), ("POST", "")]
    assert server.seen[0].body == b"a=b"
    assert "Origin" not in server.seen[0].headers


def test_the_proxy_answers_502_when_flower_is_down_or_refuses_the_credentials(
    flower: StartFlower, staff_browser: Client, settings: Any
) -> None:
    flower({}, default=Reply(401, "Access denied", {"WWW-Authenticate": 'Basic realm="flower"'}))

    refused = staff_browser.get("/flower/")
    settings.FLOWER_URL = closed_port_url()
    down = staff_browser.get("/flower/")

    assert refused.status_code == down.status_code == 502
    assert "WWW-Authenticate" not in refused
    assert b"credentials" in refused.content


def test_the_dashboard_allows_flowers_own_inline_code_by_hash_and_nothing_else_inline(
    flower: StartFlower, staff_browser: Client
) -> None:
    flower({"/flower/": Reply(200, "<html>Flower</html>")})

    response = staff_browser.get("/flower/")

    directives = {
        name: sources
        for name, *sources in (
            part.split() for part in response["Content-Security-Policy"].split(";")
        )
    }
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'", *map(source_hash, FLOWER_INLINE_SCRIPTS)]
    assert directives["style-src-attr"] == [
        "'unsafe-hashes'",
        *map(source_hash, FLOWER_STYLE_ATTRIBUTES),
    ]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
