"""A tiny HTTP server on 127.0.0.1 that plays Flower badly (or well) for tests.

Each path answers what `routes` says: a status, a body and headers, optionally after a
delay. Every request is recorded, so tests can count the calls that reached "Flower" and
see what the proxy forwarded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=UTF-8"
        return self.body, "application/octet-stream"


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class FakeFlower:
    """`routes` maps a path (without the query) to a Reply; unknown paths answer 404."""

    def __init__(self, routes: dict[str, Reply] | None = None, default: Reply | None = None):
        self.routes = dict(routes or {})
        self.default = default or Reply(404, "Not found")
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def calls(self, path: str) -> int:
        with self.lock:
            return sum(1 for seen in self.seen if seen.path == path)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, parts.path, parts.query, dict(self.headers.items()),
                            self.rfile.read(length))  # fmt: skip
                with fake.lock:
                    fake.seen.append(seen)
                reply = fake.routes.get(parts.path, fake.default)
                time.sleep(reply.delay)
                body, content_type = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it should

            do_GET = do_POST = do_PUT = do_DELETE = answer

        return Handler

    def start(self) -> FakeFlower:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_flower(routes: dict[str, Reply] | None = None, **kwargs: Any) -> Iterator[FakeFlower]:
    server = FakeFlower(routes, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()
