"""Pushing execution changes to WebSocket clients through the channel layer.

Group names are built here and only here, from server-side ids:
- `executions.user.<id>`: status and progress of one user's executions;
- `executions.all`: status and progress of every execution (staff connections);
- `execution.<id>`: log lines of one execution (connections subscribed to it);
- `notifications.user.<id>`: one user's notifications.

Sync code (Celery workers, Django views) publishes through one long-lived event loop per
process, so the channel layer keeps its Redis connections between messages instead of
opening new ones for every update.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

ALL_EXECUTIONS_GROUP = "executions.all"


def user_executions_group(user_id: int) -> str:
    return f"executions.user.{user_id}"


def execution_group(execution_id: int) -> str:
    return f"execution.{execution_id}"


def user_notifications_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def execution_audience(user_id: int | None) -> list[str]:
    """Groups that see an execution's status and progress: its owner's and staff's."""
    groups = [ALL_EXECUTIONS_GROUP]
    if user_id is not None:
        groups.append(user_executions_group(user_id))
    return groups


class Publisher:
    """Sends channel-layer messages from sync code on a background event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[Future[None]] = set()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        # A forked worker child inherits the object but not the thread: start a new one.
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                self._pending = set()
                thread = threading.Thread(
                    target=self._loop.run_forever, name="taskpulse-publisher", daemon=True
                )
                thread.start()
            return self._loop

    def publish(self, groups: list[str], message: dict[str, Any]) -> None:
        """Queue one message for several groups; returns at once."""
        future = asyncio.run_coroutine_threadsafe(self._send(groups, message), self._event_loop())
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            logger.warning("channel layer send failed: %r", future.exception())

    async def _send(self, groups: list[str], message: dict[str, Any]) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in groups:
            await layer.group_send(group, message)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued message is handed to the channel layer."""
        with self._lock:
            pending = list(self._pending)
        if pending:
            wait_futures(pending, timeout=timeout)


publisher = Publisher()


def publish(groups: list[str], message: dict[str, Any]) -> None:
    publisher.publish(groups, message)
