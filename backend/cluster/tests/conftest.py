"""Fixtures of the cluster suite: a fake Flower to point the settings at, a staff client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from cluster import selectors
from cluster.cache import cache_delete
from cluster.tests.fake_cluster import healthy
from testing.fake_flower import Reply, fake_flower

StartFlower = Callable[..., Any]


@pytest.fixture
def quick_fallback(settings: Any) -> Iterator[None]:
    """Celery's inspect answers fast here (no worker needs to reply) and starts uncached."""
    settings.TASKPULSE_INSPECT_TIMEOUT = 0.3
    cache_delete(selectors.FALLBACK_CACHE_KEY)
    yield
    cache_delete(selectors.FALLBACK_CACHE_KEY)


@pytest.fixture
def flower(settings: Any) -> Iterator[StartFlower]:
    """Start a FakeFlower and point the settings at it: `with flower(routes) as server:`."""

    def start(routes: dict[str, Reply] | None = None, **kwargs: Any) -> Any:
        context = fake_flower(healthy() if routes is None else routes, **kwargs)
        server = context.__enter__()
        settings.FLOWER_URL = server.url
        settings.FLOWER_USER = "flower"
        settings.FLOWER_PASSWORD = "flower-password"
        started.append(context)
        return server

    started: list[Any] = []
    yield start
    for context in started:
        context.__exit__(None, None, None)


@pytest.fixture
def staff_api(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client
