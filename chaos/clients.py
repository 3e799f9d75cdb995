"""The suite's users: each launches work over REST and watches it over a WebSocket.

A watcher behaves as the React app does: when its socket drops it reconnects, and on every
(re)connect it subscribes to the executions it launched that have not ended for it, which
answers with their current state: a final state missed while it was away is caught up
then. Whatever ends without the watcher ever seeing it is a lost final state.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

FINAL = {"SUCCESS", "FAILURE", "REVOKED"}


class Answers:
    """HTTP answers (and refused WebSocket handshakes) by status, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: Counter[int] = Counter()

    def add(self, code: int) -> None:
        with self.lock:
            self.codes[code] += 1

    def snapshot(self) -> Counter[int]:
        with self.lock:
            return Counter(self.codes)

    def server_errors(self) -> int:
        with self.lock:
            return sum(n for code, n in self.codes.items() if code >= 500)


class Watcher(threading.Thread):
    def __init__(self, ws_url: str, token: str, answers: Answers) -> None:
        super().__init__(daemon=True)
        self.ws_url, self.token, self.answers = ws_url, token, answers
        self.lock = threading.Lock()
        self.mine: set[int] = set()
        self.finals: dict[int, str] = {}
        self.to_subscribe: list[int] = []
        self.stopping = threading.Event()
        self.connected = threading.Event()

    def track(self, execution_id: int) -> None:
        with self.lock:
            self.mine.add(execution_id)
            self.to_subscribe.append(execution_id)

    def final(self, execution_id: int) -> str | None:
        with self.lock:
            return self.finals.get(execution_id)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with connect(f"{self.ws_url}/ws/tasks/", open_timeout=5) as socket:
                    self.session(socket)
            except InvalidStatus as refused:
                self.answers.add(refused.response.status_code)
            except (OSError, WebSocketException, TimeoutError):
                pass
            self.connected.clear()
            self.stopping.wait(0.5)

    def session(self, socket: ClientConnection) -> None:
        socket.send(json.dumps({"action": "auth", "token": self.token}))
        with self.lock:
            self.to_subscribe = [e for e in self.mine if e not in self.finals]
        while not self.stopping.is_set():
            with self.lock:
                pending, self.to_subscribe = self.to_subscribe, []
            for execution_id in pending:
                socket.send(json.dumps({"action": "subscribe", "execution_id": execution_id}))
            try:
                message = json.loads(socket.recv(timeout=0.3))
            except TimeoutError:
                continue
            self.receive(message)

    def receive(self, message: dict[str, Any]) -> None:
        if message.get("type") == "hello":
            self.connected.set()
        if message.get("type") != "task.status":
            return
        status = message["execution"]["status"]
        if status in FINAL:
            with self.lock:
                self.finals[message["execution_id"]] = status


class User:
    def __init__(self, name: str, token: str, watcher: Watcher) -> None:
        self.name, self.token, self.watcher = name, token, watcher
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"


class Launcher:
    """Launches from many users at once; every answer is counted."""

    def __init__(self, base_url: str, users: list[User], answers: Answers) -> None:
        self.base_url, self.users, self.answers = base_url, users, answers
        self.attempts = 0
        self.refused = 0  # no answer at all (the web process was down)
        self.lock = threading.Lock()

    def post(self, user: User, path: str, **kwargs: Any) -> int | None:
        """POST as `user`; the execution id of a 201 or 202, else None (a template launch
        answers the execution itself, the modules' launches its `execution_id`)."""
        with self.lock:
            self.attempts += 1
        try:
            answer = user.session.post(f"{self.base_url}{path}", timeout=60, **kwargs)
        except requests.RequestException:
            with self.lock:
                self.refused += 1
            return None
        self.answers.add(answer.status_code)
        if answer.status_code not in (201, 202):
            return None
        body = answer.json()
        execution_id = int(body.get("execution_id", body.get("id")))
        user.watcher.track(execution_id)
        return execution_id

    def deploy(self, user: User, hostname: str, **simulate: Any) -> int | None:
        body = {"hostname": hostname, "vcenter_host": "vcenter.chaos", "datacenter": "DC1",
                "template": "ubuntu-22.04", "network": "VM Network", "cpu": 1,
                "memory_gb": 1, "disk_gb": 10, "ip_address": "", "simulate": simulate}  # fmt: skip
        return self.post(user, "/api/deploy/deployments/", json=body)

    def deploys(self, count: int, prefix: str, clients: int = 20) -> list[int]:
        """`count` deployments from `clients` users at once (round robin)."""
        users = [self.users[n % len(self.users)] for n in range(count)]
        with ThreadPoolExecutor(max_workers=clients) as pool:
            ids = pool.map(lambda n: self.deploy(users[n], f"{prefix}-{n}"), range(count))
        return [i for i in ids if i is not None]


def wait_connected(watchers: list[Watcher], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    for watcher in watchers:
        watcher.connected.wait(max(0.0, deadline - time.monotonic()))
