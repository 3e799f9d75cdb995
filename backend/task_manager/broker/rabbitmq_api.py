"""RabbitMQ's management HTTP API (the rabbitmq_management plugin): every queue of a vhost
in one GET, with what a passive queue_declare cannot tell (unacknowledged messages, the head
message's timestamp).

Its numbers are the broker's statistics, sampled every `collect_statistics_interval` (5 s by
default): a view may show a queue up to that much behind. Recovery never decides from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests

from task_manager.broker.base import QueueDepth

COLUMNS = "name,messages_ready,messages_unacknowledged,consumers,head_message_timestamp"


class RabbitManagement:
    """`url` is the API's root with its credentials, http://user:password@host:15672."""

    def __init__(self, url: str, *, vhost: str, timeout: float) -> None:
        parts = urlsplit(url.rstrip("/"))
        self.auth = (unquote(parts.username or ""), unquote(parts.password or ""))
        netloc = parts.hostname or ""
        if ":" in netloc:
            netloc = f"[{netloc}]"  # an IPv6 address
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        self.base = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        self.vhost = vhost
        self.timeout = timeout

    def queue_rows(self) -> dict[str, dict[str, Any]]:
        answer = requests.get(
            f"{self.base}/api/queues/{quote(self.vhost, safe='')}",
            params={"columns": COLUMNS}, auth=self.auth, timeout=self.timeout,
        )  # fmt: skip
        answer.raise_for_status()
        rows = answer.json()
        if not isinstance(rows, list):
            raise ValueError(f"the management API answered {type(rows).__name__}, not a list")
        return {row["name"]: row for row in rows if isinstance(row, dict) and "name" in row}

    def queue_depths(self, queues: Iterable[str]) -> dict[str, QueueDepth | None]:
        """Each queue's depth; a queue the vhost does not have is empty, and one whose
        statistics are not out yet (just declared) is None."""
        rows = self.queue_rows()
        depths: dict[str, QueueDepth | None] = {}
        for name in queues:
            row = rows.get(name)
            depths[name] = QueueDepth(0, 0, 0) if row is None else depth_of(row)
        return depths


def depth_of(row: dict[str, Any]) -> QueueDepth | None:
    ready = row.get("messages_ready")
    if not isinstance(ready, int):
        return None
    unacked, consumers = row.get("messages_unacknowledged"), row.get("consumers")
    head = row.get("head_message_timestamp")
    return QueueDepth(
        ready=ready,
        unacked=unacked if isinstance(unacked, int) else None,
        consumers=consumers if isinstance(consumers, int) else None,
        head_timestamp=float(head) if isinstance(head, int | float) and head > 0 else None,
    )
