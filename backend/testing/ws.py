"""A small synchronous WebSocket client for end-to-end tests against a live web server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

Message = dict[str, Any]


class WsClient:
    def __init__(
        self,
        url: str,
        *,
        origin: str | None = None,
        token: str | None = None,
        subprotocols: list[str] | None = None,
        cookie: str | None = None,
    ) -> None:
        headers = {"Cookie": cookie} if cookie else None
        self.connection: ClientConnection = connect(
            f"{url}/ws/tasks/", origin=origin, additional_headers=headers,  # type: ignore[arg-type]
            subprotocols=subprotocols, open_timeout=10, max_size=2**22,  # type: ignore[arg-type]
        ).__enter__()  # fmt: skip
        self.received: list[Message] = []
        if token:
            self.send({"action": "auth", "token": token})

    def send(self, message: Message | str) -> None:
        self.connection.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self, timeout: float = 10) -> Message:
        message = json.loads(self.connection.recv(timeout=timeout))
        self.received.append(message)
        return message

    def recv_until(
        self, predicate: Callable[[Message], bool], timeout: float = 30
    ) -> list[Message]:
        """Messages received up to and including the first that matches."""
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message in {timeout}s; got {seen[-5:]}")
            message = self.recv(timeout=left)
            seen.append(message)
            if predicate(message):
                return seen

    def drain(self, seconds: float) -> list[Message]:
        """Everything that arrives within `seconds`."""
        seen: list[Message] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                seen.append(self.recv(timeout=left))
            except TimeoutError:
                break
        return seen

    def close_code(self, timeout: float = 15) -> int | None:
        """Wait for the server to close the connection and return its close code."""
        try:
            while True:
                self.connection.recv(timeout=timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def close(self) -> None:
        self.connection.close()


def is_final_status(execution_id: int) -> Callable[[Message], bool]:
    def match(message: Message) -> bool:
        return (
            message.get("type") == "task.status"
            and message.get("execution_id") == execution_id
            and not message["execution"]["is_active"]
        )

    return match
