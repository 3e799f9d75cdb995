"""Keys that tests share through the run's Redis (the cache, throttles, login failures)."""

from __future__ import annotations

import redis
from django.conf import settings


def delete_matching(*patterns: str) -> None:
    """Delete every key of the settings' Redis that matches one of the glob `patterns`."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
    finally:
        client.close()
