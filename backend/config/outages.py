"""An outage of a part TaskPulse stands on, logged once: a line when it starts, one when it ends.

While Redis is down every call to it fails; a traceback per call buried what mattered (430
of them in one 8 s outage, from the channel layer alone). An `Outage` says the first failure
in one line with its error and what it means for users, counts the others, and says how
many there were when a call works again.
"""

from __future__ import annotations

import logging
import threading

import redis

# What a call to Redis raises when Redis is down, restarting or unreachable.
REDIS_ERRORS = (redis.RedisError, OSError)


class Outage:
    """One part's outage as seen by one caller in this process (thread-safe)."""

    def __init__(self, logger: logging.Logger, part: str, meaning: str) -> None:
        """`part` names what failed ("deploy rate limit: Redis"); `meaning` says what users
        get meanwhile ("launches are not counted")."""
        self.logger = logger
        self.part = part
        self.meaning = meaning
        self.failures = 0
        self._lock = threading.Lock()

    def failed(self, error: BaseException, *, count: int = 1) -> None:
        """Called for every failed call (`count` of them at once): the first of an outage is
        logged, the rest counted."""
        with self._lock:
            first = self.failures == 0
            self.failures += count
        if first:
            reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
            self.logger.warning("%s unreachable (%s); %s until it is back",
                                self.part, reason, self.meaning)  # fmt: skip

    def succeeded(self) -> None:
        """Called for every call that worked: ends the outage, if there was one."""
        if not self.failures:  # the common case, without the lock
            return
        with self._lock:
            failures, self.failures = self.failures, 0
        if failures:
            self.logger.warning("%s is back after %d failed %s", self.part, failures,
                                "call" if failures == 1 else "calls")  # fmt: skip

    @property
    def ongoing(self) -> bool:
        return self.failures > 0
