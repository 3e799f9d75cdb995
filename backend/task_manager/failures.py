"""Failed executions grouped by cause: task name, exception class and a normalized message.

The error of a failed task is stored as "ExceptionClass: message" (task_manager.signals);
the message is normalized by folding what differs between two failures of one cause:
quoted values, UUIDs, long hex ids and numbers ("VM 'web-12' not found after 30 s" and
"VM 'db-3' not found after 45 s" are one group).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from task_manager.models import ExecutionStatus, TaskExecution

RANGES = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
MAX_IDS = 1000  # what the bulk endpoint takes at once
ERROR_PREFIX = 500  # characters of an error read: the cause is in its first line

# "ValueError: ...", "requests.exceptions.ConnectTimeout: ..." (not "Worker lost: ...").
EXCEPTION = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*):\s+")
FOLDS = (
    (re.compile(r"'[^']*'"), "'…'"),
    (re.compile(r'"[^"]*"'), '"…"'),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
     "<uuid>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b"), "<id>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)  # fmt: skip


def split_error(error: str) -> tuple[str, str]:
    """(exception class, message) of a stored error; the class is "" when none is named."""
    first_line = error.strip().splitlines()[0] if error.strip() else ""
    match = EXCEPTION.match(first_line)
    if match is None:
        return "", first_line
    return match.group(1), first_line[match.end() :]


def normalize_message(message: str) -> str:
    for pattern, replacement in FOLDS:
        message = pattern.sub(replacement, message)
    return message.strip()[:300]


def group_key(task_name: str, exception: str, message: str) -> str:
    text = "\x1f".join((task_name, exception, message))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class FailureGroup:
    key: str
    task_name: str
    exception: str
    message: str
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sample_execution_id: int = 0
    sample_error: str = ""
    user_ids: set[int] = field(default_factory=set)
    execution_ids: list[int] = field(default_factory=list)

    def add(self, pk: int, finished_at: datetime, user_id: int | None, error: str) -> None:
        self.count += 1
        if self.last_seen is None or finished_at > self.last_seen:
            self.last_seen, self.sample_execution_id, self.sample_error = finished_at, pk, error
        if self.first_seen is None or finished_at < self.first_seen:
            self.first_seen = finished_at
        if user_id is not None:
            self.user_ids.add(user_id)
        if len(self.execution_ids) < MAX_IDS:
            self.execution_ids.append(pk)


def failure_groups(
    *, executions: QuerySet[TaskExecution], range_name: str, now: datetime | None = None
) -> list[FailureGroup]:
    """The failures among `executions` (those the caller sees) in the range, by cause, the
    largest group first."""
    since = (now or timezone.now()) - RANGES[range_name]
    rows = (
        executions.filter(status=ExecutionStatus.FAILURE, finished_at__gte=since)
        .order_by("-finished_at", "-id")
        .annotate(error_head=Substr("error", 1, ERROR_PREFIX))
        .values_list("id", "name", "finished_at", "user_id", "error_head")
    )
    groups: dict[str, FailureGroup] = {}
    for pk, name, finished_at, user_id, error in rows.iterator(chunk_size=5000):
        if finished_at is None:  # not for a FAILURE: finishing stamps it
            continue
        exception, message = split_error(error)
        message = normalize_message(message)
        key = group_key(name, exception, message)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FailureGroup(key, name, exception, message)
        group.add(pk, finished_at, user_id, error.strip().splitlines()[0][:300] if error else "")
    return sorted(groups.values(), key=lambda g: (-g.count, g.task_name, g.key))


def failure_group_data(
    group: FailureGroup, *, usernames: dict[int, str] | None, with_ids: bool
) -> dict[str, Any]:
    """A group as the API answers it; `usernames` (staff only) names the affected users."""
    data: dict[str, Any] = {
        "key": group.key,
        "name": group.task_name,
        "exception": group.exception,
        "message": group.message,
        "count": group.count,
        "first_seen": group.first_seen.isoformat() if group.first_seen else None,
        "last_seen": group.last_seen.isoformat() if group.last_seen else None,
        "sample_execution_id": group.sample_execution_id,
        "sample_error": group.sample_error,
        # The task list's filter holding every execution of the group (and the task's other
        # failures): for browsing; `execution_ids` (?group=) are exactly the group's.
        "list_filter": {"status": "FAILURE", "name": group.task_name},
    }
    if usernames is not None:
        data["users"] = sorted(
            ({"id": uid, "username": usernames.get(uid, "")} for uid in group.user_ids),
            key=lambda user: user["username"],
        )
    if with_ids:
        data["execution_ids"] = group.execution_ids
        data["execution_ids_truncated"] = group.count > len(group.execution_ids)
    return data


def usernames_of(groups: list[FailureGroup]) -> dict[int, str]:
    ids = set().union(*(group.user_ids for group in groups)) if groups else set()
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
