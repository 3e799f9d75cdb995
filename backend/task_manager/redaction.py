"""What an execution's arguments look like in an answer: secrets redacted, size capped.

An execution keeps the args, kwargs and params it was sent with, whole: recovery and retries
send them again. Every answer that shows them (REST, WebSocket, export) goes through
`redacted`: the value of a key containing one of TASKPULSE_REDACT_KEYS (any case, at any
depth) is replaced, and `within_cap` answers None for arguments whose JSON passes
TASKPULSE_ARGUMENTS_MAX_BYTES.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.conf import settings

REDACTED = "[redacted]"
MAX_DEPTH = 32  # deeper than this is answered as redacted too: nothing is walked forever


@cache
def _secret_words(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.lower() for word in words if word)


def is_secret_key(key: object) -> bool:
    words = _secret_words(tuple(settings.TASKPULSE_REDACT_KEYS))
    name = str(key).lower()
    return any(word in name for word in words)


def redacted(value: Any, depth: int = 0) -> Any:
    """`value` with the values of secret-looking keys replaced by "[redacted]"."""
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret_key(key) else redacted(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(item, depth + 1) for item in value]
    return value


def within_cap(value: Any) -> bool:
    """Whether arguments are small enough to answer (their JSON, in bytes)."""
    try:
        size = len(json.dumps(value, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        return False
    return size <= settings.TASKPULSE_ARGUMENTS_MAX_BYTES


def arguments_data(args: Any, kwargs: Any) -> dict[str, Any]:
    """`args`, `kwargs` and `arguments_truncated` of the execution detail."""
    fits = within_cap(args) and within_cap(kwargs)
    return {
        "args": redacted(args) if fits else None,
        "kwargs": redacted(kwargs) if fits else None,
        "arguments_truncated": not fits,
    }
