"""End to end: compose/nginx.conf, the compose file's proxy, run by a real nginx in front of
the real web server, as a browser goes through it.

The configuration is the repository's, with only what Docker provides replaced: the `web`
service's address becomes the live server's, and nginx listens on a free loopback port.
"""

from __future__ import annotations

import http.client
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User

from config.tests.test_compose import (
    NGINX,
    NGINX_CONF,
    nginx_directives,
    nginx_main_config,
    nginx_upstream,
)
from stack.redis import free_port
from testing.live import LiveProcess, LiveServer, wait_until
from testing.ws import WsClient

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx-light)"),
]

# The client's own loopback address, other than the one nginx connects to web from.
CLIENT_ADDRESS = "127.0.0.3"


class Proxy(LiveProcess):
    """nginx with compose/nginx.conf, forwarding to a live web server."""

    def __init__(self, folder: Path, web: LiveServer) -> None:
        assert NGINX is not None
        self.port = free_port()
        (listen,) = nginx_directives("listen")
        server_conf = folder / "default.conf"
        server_conf.write_text(
            NGINX_CONF.read_text()
            .replace(f"listen {listen};", f"listen 127.0.0.1:{self.port};")
            .replace(f" {nginx_upstream()};", f" http://127.0.0.1:{web.port};")
        )
        main = nginx_main_config(folder, server_conf)
        argv = [NGINX, "-p", str(folder), "-c", str(main), "-g", "daemon off;"]
        super().__init__(argv, {"PATH": "/usr/sbin:/usr/bin:/bin"}, folder / "nginx.out")
        wait_until(self.ready, timeout=30, interval=0.1, what="nginx to listen")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"nginx exited:\n{self.output()}")
        try:
            return requests.get(f"{self.url}/api/health/", timeout=3).status_code == 200
        except requests.RequestException:
            return False


@pytest.fixture(scope="module")
def web_behind_proxy(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[LiveServer]:
    """The web service as the compose file runs it: trusting the proxy's X-Forwarded-For."""
    with django_db_blocker.unblock():
        server = LiveServer(tmp_path_factory.mktemp("web") / "web.log", FORWARDED_ALLOW_IPS="*")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(web_behind_proxy: LiveServer, tmp_path_factory) -> Iterator[Proxy]:
    nginx = Proxy(tmp_path_factory.mktemp("nginx"), web_behind_proxy)
    yield nginx
    nginx.stop()


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


def test_a_browser_logs_in_and_opens_its_websocket_through_the_proxy(
    proxy: Proxy, ana: User
) -> None:
    """Django checks the Origin of the login POST and of the WebSocket against the Host,
    port included: the proxy must pass it as the browser sent it, and the upgrade too."""
    session = requests.Session()
    session.get(f"{proxy.url}/api/auth/csrf/", timeout=10).raise_for_status()
    login = session.post(
        f"{proxy.url}/api/auth/login/",
        json={"username": "ana", "password": "ana-password-1"},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Origin": proxy.url},
        timeout=10,
    )
    assert login.status_code == 200, login.text

    cookie = f"sessionid={session.cookies['sessionid']}"
    socket = WsClient(proxy.url.replace("http:", "ws:"), origin=proxy.url, cookie=cookie)
    hello = socket.recv()
    socket.close()

    assert hello["type"] == "hello"
    assert hello["user"]["username"] == "ana"


def test_web_sees_the_clients_address_not_one_the_client_wrote(
    proxy: Proxy, web_behind_proxy: LiveServer
) -> None:
    """Login lockouts count per client address: web must see the client's own, which the
    proxy sets, and never an X-Forwarded-For the client made up."""
    marker = uuid.uuid4().hex
    connection = http.client.HTTPConnection(
        "127.0.0.1", proxy.port, timeout=10, source_address=(CLIENT_ADDRESS, 0)
    )
    connection.request("GET", f"/api/health/?{marker}", headers={"X-Forwarded-For": "203.0.113.9"})
    assert connection.getresponse().status == 200
    connection.close()

    line = wait_until(
        lambda: next((ln for ln in web_behind_proxy.output().splitlines() if marker in ln), None),
        timeout=30, what="the web server's access log line",
    )  # fmt: skip
    assert re.search(rf"\b{re.escape(CLIENT_ADDRESS)}:\d+ - ", line), line
    assert "203.0.113.9" not in line
