"""Cluster reads shared by every process through the Django cache (Redis), one producer at once.

A cached answer may be None ("unavailable"), so values are boxed. The cache is an
optimisation: when it is broken, every read is a miss and every caller may produce.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.cache import cache as shared_cache

logger = logging.getLogger(__name__)

T = TypeVar("T")

LOCK_POLL_SECONDS = 0.05
CACHE_ERRORS = (redis.RedisError, OSError)

MISSING: Any = object()


def cache_get(key: str) -> Any:
    """The value stored under `key`, or MISSING."""
    try:
        box = shared_cache.get(key)
    except CACHE_ERRORS:  # the cache is an optimisation: a broken one is a miss
        return MISSING
    return box["v"] if isinstance(box, dict) and "v" in box else MISSING


def cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        shared_cache.set(key, {"v": value}, seconds)
    except CACHE_ERRORS:
        logger.debug("cache unavailable, %s not stored", key)


def cache_delete(*keys: str) -> None:
    try:
        shared_cache.delete_many(list(keys))
    except CACHE_ERRORS:
        logger.debug("cache unavailable, %s not deleted", keys)


def cache_lock(key: str, seconds: float) -> bool:
    """True for the one caller that may produce `key`; a broken cache lets everyone."""
    try:
        return bool(shared_cache.add(f"{key}:lock", 1, int(seconds) + 2))
    except CACHE_ERRORS:
        return True


def cached_call(
    key: str, produce: Callable[[], T], *, seconds: int, budget: float, refresh: bool = False
) -> T | None:
    """`produce()` at most once per `seconds` for all processes. A caller that finds another
    producing waits for its result up to `budget`, then gets None (not available in time).
    `refresh` produces anew regardless of the cache and the lock."""
    if refresh:
        return stored(key, produce(), seconds)
    hit = cache_get(key)
    if hit is not MISSING:
        return hit
    if not cache_lock(key, budget):
        return wait_for(key, budget)
    try:
        return stored(key, produce(), seconds)
    finally:
        cache_delete(f"{key}:lock")


def stored(key: str, value: T, seconds: int) -> T:
    cache_set(key, value, seconds)
    return value


def wait_for(key: str, budget: float) -> Any:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        hit = cache_get(key)
        if hit is not MISSING:
            return hit
    return None
