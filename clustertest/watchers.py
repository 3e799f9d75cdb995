"""WebSocket clients that keep every event they get, by execution and seq.

A `SeqWatcher` is the chaos suite's watcher (chaos/clients.py) with a list of web processes
to use in turn: when its socket drops it connects to the next one and subscribes again
with `since_seq` = the newest log line it holds, as the React app does, so the server
replays exactly the lines it missed. It keeps the seq of every state event (task.status,
task.progress) and of every log line it received; `seq_count` (pure) compares them with
what the database holds.

Every change of an execution takes one seq (backend task_manager/writes.py): a state event
or a log line. A client connected before an execution is created sees seq 0 (its creation)
and every later seq, as a state event or, once subscribed, as a log line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from chaos.clients import FINAL, Answers, Watcher

STATE_EVENTS = ("task.status", "task.progress")


@dataclass
class Seen:
    """What one client received of one execution, in the order it came."""

    states: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    final: str | None = None

    def since_seq(self) -> int:
        return max(self.lines, default=0)


@dataclass(frozen=True)
class SeqCount:
    missing_lines: int  # log lines in the database that never arrived
    duplicate_lines: int  # log lines that arrived twice
    backwards: int  # state events older than one already received
    resent: int  # a state snapshot again with the seq already held (ignored by seq)
    missing_states: int  # state seqs past the newest state received: the latest state is lost
    superseded: int  # intermediate states never received, a newer one having come first


def seq_count(seen: Seen, line_seqs: Iterable[int], final_seq: int) -> SeqCount:
    """Compare what a client received of an execution with the database: its log lines'
    seqs and its last seq. Every other seq from 0 to `final_seq` was a state event.

    A server sends a client only states newer than the last it sent (API.md: progress never
    goes backwards): an intermediate state overtaken by a newer one (the snapshot a
    subscription answers with, or two processes publishing one execution's changes) is
    dropped. Those are `superseded`; a state newer than every state received is missing."""
    lines = set(line_seqs)
    newest, backwards, resent = -1, 0, 0
    for seq in seen.states:
        if seq < newest:
            backwards += 1
        elif seq == newest:
            resent += 1
        newest = max(newest, seq)
    unseen_states = set(range(final_seq + 1)) - lines - set(seen.states)
    return SeqCount(
        missing_lines=len(lines - set(seen.lines)),
        duplicate_lines=len(seen.lines) - len(set(seen.lines)),
        backwards=backwards,
        resent=resent,
        missing_states=sum(1 for seq in unseen_states if seq > newest),
        superseded=sum(1 for seq in unseen_states if seq < newest),
    )


def missing_seqs(seen: Seen, line_seqs: Iterable[int], final_seq: int) -> list[int]:
    """The seqs from 0 to `final_seq` that the client received neither way."""
    return sorted(set(range(final_seq + 1)) - set(seen.states) - set(seen.lines))


class SeqWatcher(Watcher):
    """A chaos watcher that fails over between web processes and keeps every seq.

    `everything`: subscribe to every execution it hears of (a staff client watching the
    whole cluster), else only to those it was told to `track`.
    """

    def __init__(self, ws_urls: list[str], token: str, answers: Answers,
                 *, everything: bool = False) -> None:  # fmt: skip
        super().__init__(ws_urls[0], token, answers)
        self.ws_urls, self.everything = ws_urls, everything
        self.at = 0  # index of the web process in use
        self.seen: dict[int, Seen] = {}
        self.connects: list[str] = []  # the URL of each successful connection, in order

    def run(self) -> None:
        while not self.stopping.is_set():
            url = self.ws_urls[self.at % len(self.ws_urls)]
            try:
                with connect(f"{url}/ws/tasks/", open_timeout=5, close_timeout=1) as socket:
                    self.connects.append(url)
                    self.session(socket)
            except InvalidStatus as refused:
                self.answers.add(refused.response.status_code)
            except (OSError, WebSocketException, TimeoutError):
                pass
            self.connected.clear()
            self.at += 1  # the next attempt goes to the next web process
            self.stopping.wait(0.3)

    def session(self, socket: ClientConnection) -> None:
        socket.send(json.dumps({"action": "auth", "token": self.token}))
        with self.lock:
            self.to_subscribe = [e for e in self.mine if e not in self.finals]
        while not self.stopping.is_set():
            with self.lock:
                pending, self.to_subscribe = self.to_subscribe, []
                since = {e: self.seen.setdefault(e, Seen()).since_seq() for e in pending}
            for execution_id in pending:
                socket.send(json.dumps({"action": "subscribe", "execution_id": execution_id,
                                        "since_seq": since[execution_id]}))  # fmt: skip
            try:
                message = json.loads(socket.recv(timeout=0.3))
            except TimeoutError:
                continue
            self.receive(message)

    def receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hello":
            self.connected.set()
        if kind not in (*STATE_EVENTS, "task.log"):
            return
        execution_id = int(message["execution_id"])
        with self.lock:
            seen = self.seen.setdefault(execution_id, Seen())
            if kind == "task.log":
                seen.lines.extend(int(line["seq"]) for line in message["lines"])
                return
            seen.states.append(int(message["seq"]))
            if self.everything and execution_id not in self.mine:
                self.mine.add(execution_id)
                self.to_subscribe.append(execution_id)
            status = message.get("execution", {}).get("status")
            if status in FINAL:
                seen.final = status
                self.finals[execution_id] = status

    def snapshot(self, execution_id: int) -> Seen:
        with self.lock:
            seen = self.seen.get(execution_id, Seen())
            return Seen(list(seen.states), list(seen.lines), seen.final)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


def start_all(watchers: list[SeqWatcher], timeout: float = 30) -> None:
    """Start the watchers and wait until each one has its hello."""
    for watcher in watchers:
        watcher.start()
    deadline = time.monotonic() + timeout
    for watcher in watchers:
        if not watcher.connected.wait(max(0.0, deadline - time.monotonic())):
            raise RuntimeError(f"cluster: a watcher of {watcher.ws_urls[0]} did not connect")
