"""Load generators, on loopback only, each bounded in count and in time.

- `Audience`: N WebSocket clients of one system that time every progress message they get
  ("<index> <time.time()>" in its text) and note every final state.
- `hammer`: C keep-alive HTTP connections polling one URL until a deadline or a count.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

CONNECT_AT_ONCE = 64
MAX_CLIENTS = 20_000


def raise_fd_limit() -> int:
    """Let this process hold thousands of sockets (the soft limit up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def loopback(url: str) -> str:
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        raise ValueError(f"the bench only loads loopback servers, not {host}")
    return url


@dataclass
class Tally:
    """What the clients of one measurement saw."""

    latencies_ms: list[float] = field(default_factory=list)
    by_index: dict[tuple[Any, int], list[float]] = field(default_factory=dict)
    received: int = 0
    first_at: float = 0.0
    last_at: float = 0.0
    heard_at: float = 0.0  # the last message of any kind
    finals: dict[Any, int] = field(default_factory=dict)  # stream -> clients that saw its end
    reported: dict[Any, Any] = field(default_factory=dict)  # stream -> reports the task made

    def progress(self, stream: Any, text: str, now: float) -> None:
        try:
            index_text, sent_text = text.split(" ", 1)
            index, sent = int(index_text), float(sent_text)
        except ValueError:
            return
        latency = (now - sent) * 1000
        self.latencies_ms.append(latency)
        self.by_index.setdefault((stream, index), []).append(latency)
        self.received += 1
        self.first_at = self.first_at or now
        self.last_at = now

    def final(self, stream: Any, result: Any) -> None:
        self.finals[stream] = self.finals.get(stream, 0) + 1
        self.reported[stream] = result


Handler = Callable[[dict[str, Any], Tally, float], None]


def taskpulse_message(message: dict[str, Any], tally: Tally, now: float) -> None:
    kind = message.get("type")
    if kind == "task.progress":
        tally.progress(message["execution_id"], message.get("message") or "", now)
    elif kind == "task.status":
        execution = message["execution"]
        if execution["is_active"]:  # a report that also moved the status (STARTED -> PROGRESS)
            tally.progress(message["execution_id"], execution.get("message") or "", now)
        else:
            tally.final(message["execution_id"], execution["result"])


def taskpulse_log_message(message: dict[str, Any], tally: Tally, now: float) -> None:
    """Log lines of subscribed executions (their text: "<index> <time>"), and their ends."""
    kind = message.get("type")
    if kind == "task.log":
        for line in message["lines"]:
            tally.progress(message["execution_id"], line["message"], now)
    elif kind == "task.status" and not message["execution"]["is_active"]:
        tally.final(message["execution_id"], message["execution"]["result"])


def peer_message(message: dict[str, Any], tally: Tally, now: float) -> None:
    if message.get("complete"):
        tally.final(message.get("task_id", "task"), message.get("result"))
        return
    progress = message.get("progress") or {}
    tally.progress(message.get("task_id", "task"), str(progress.get("description") or ""), now)


class Audience:
    """N open WebSocket connections that feed one Tally until closed."""

    def __init__(self, session: aiohttp.ClientSession, handler: Handler) -> None:
        self.session = session
        self.handler = handler
        self.tally = Tally()
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.readers: list[asyncio.Task[None]] = []
        self.failed = 0

    async def open(self, targets: Iterable[tuple[str, tuple[str, ...], Any]],
                   *, hello: bool, timeout: float = 60) -> int:  # fmt: skip
        """Connect to each (url, subprotocols, stream tag); returns how many are open."""
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(url: str, protocols: tuple[str, ...], tag: Any) -> None:
            async with gate:
                try:
                    ws = await self.session.ws_connect(
                        loopback(url), protocols=protocols, autoping=True, max_msg_size=0,
                        timeout=aiohttp.ClientWSTimeout(ws_close=5),
                    )  # fmt: skip
                    if hello:
                        await ws.receive(timeout=30)
                except (aiohttp.ClientError, TimeoutError, OSError):
                    self.failed += 1
                    return
            self.sockets.append(ws)
            self.readers.append(asyncio.create_task(self.read(ws, tag)))

        targets = list(targets)[:MAX_CLIENTS]
        await asyncio.wait_for(asyncio.gather(*(one(*t) for t in targets)), timeout)
        return len(self.sockets)

    async def read(self, ws: aiohttp.ClientWebSocketResponse, tag: Any) -> None:
        async for frame in ws:
            now = time.time()
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = orjson.loads(frame.data)
            self.tally.heard_at = now
            if tag is not None and isinstance(message, dict):
                message.setdefault("task_id", tag)
            self.handler(message, self.tally, now)

    async def wait_finals(self, streams: int, timeout: float) -> bool:
        """Until every open client saw the end of `streams` streams (or the timeout)."""
        deadline = time.monotonic() + timeout
        want = len(self.sockets)
        while time.monotonic() < deadline:
            done = [n for n in self.tally.finals.values() if n >= want]
            if len(done) >= streams:
                return True
            await asyncio.sleep(0.05)
        return False

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


@dataclass
class Hammered:
    requests: int
    seconds: float
    statuses: dict[int, int]
    latencies_ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def hammer(url: str, headers: dict[str, str], *, concurrency: int, seconds: float,
                 max_requests: int = 200_000) -> Hammered:  # fmt: skip
    """Poll one URL from `concurrency` keep-alive connections until the deadline or the count."""
    loopback(url)
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    errors = 0
    budget = [max_requests]
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline and budget[0] > 0:
                budget[0] -= 1
                start = time.perf_counter()
                try:
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - start) * 1000)

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    return Hammered(len(latencies), elapsed, statuses, latencies, errors)
