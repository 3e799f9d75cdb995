"""At most TASKPULSE_DEPLOY_RATE deployment launches per user (default 100/min).

DRF's sliding-window throttle on the shared cache (Redis), so every web process counts
together. DRF reads, trims and writes the window without a lock, so two launches at the
same instant could both take the last slot; a short cache lock (an atomic add) makes the
read-modify-write one step per user.

When Redis is down the limit fails open: the launch is not counted, and is kept like any
launch made during a broker outage (PENDING, sent by recovery when Redis is back), instead of
answering 500. The outage is logged once, and once more when it ends.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from config.outages import REDIS_ERRORS, Outage

logger = logging.getLogger(__name__)
LOCK_SECONDS = 5  # the lock's expiry, in case its holder dies
LOCK_WAIT = 2.0  # how long a launch waits for the lock before counting without it

redis_outage = Outage(logger, "deploy rate limit: Redis", "launches are not counted")


@contextmanager
def cache_lock(cache: Any, key: str) -> Iterator[None]:
    token = uuid.uuid4().hex
    deadline = time.monotonic() + LOCK_WAIT
    while not (held := cache.add(key, token, LOCK_SECONDS)) and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        yield
    finally:
        if held and cache.get(key) == token:
            cache.delete(key)


class DeployLaunchThrottle(SimpleRateThrottle):
    scope = "deploy_launch"
    num_requests: int  # set by SimpleRateThrottle.__init__ from the rate
    duration: int

    def get_rate(self) -> str:
        return str(settings.TASKPULSE_DEPLOY_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.key_for(request.user)

    def key_for(self, user: User | AnonymousUser) -> str | None:
        if not user.is_authenticated:
            return None  # the view refuses anonymous callers anyway
        return self.cache_format % {"scope": self.scope, "ident": user.pk}

    def allow_request(self, request: Request, view: Any) -> bool:
        return self.allow_user(request.user)

    def allow_user(self, user: User | AnonymousUser) -> bool:
        self.key = self.key_for(user)
        if self.key is None:
            return True
        try:
            allowed = self.count_launch()
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
            return True  # fail open: the launch waits for the broker like any other
        redis_outage.succeeded()
        return allowed

    def count_launch(self) -> bool:
        """DRF's sliding window under the per-user lock; raises when Redis is down."""
        assert self.key is not None
        with cache_lock(self.cache, f"{self.key}:lock"):
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                return self.throttle_failure()
            return self.throttle_success()

    def check_user(self, user: User) -> None:
        """For launches that do not pass a DRF view's throttles (the templates API)."""
        if not self.allow_user(user):
            raise Throttled(wait=self.wait())
