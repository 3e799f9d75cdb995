import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from cluster import health

pytestmark = pytest.mark.django_db(transaction=True)


def test_health_needs_no_auth_and_names_what_is_down(
    anonymous_api: APIClient, settings: Any
) -> None:
    settings.FLOWER_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    body = anonymous_api.get("/api/health/").json()

    assert body["database"] == "ok"
    assert body["redis"] == "ok"  # make test provides a real Redis
    assert body["flower"] == "unavailable"
    assert body["status"] == "degraded"
    assert "flower" in body["failing"]
    assert isinstance(body["workers"], int)


def test_health_with_redis_down_is_degraded(anonymous_api: APIClient, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"

    body = anonymous_api.get("/api/health/").json()

    assert body["status"] == "degraded"
    assert body["redis"].startswith("error")
    assert body["workers"] == 0
    assert {"redis", "workers"} <= set(body["failing"])


def test_a_hanging_check_is_cut_at_the_deadline() -> None:
    def slow() -> str:
        time.sleep(1)
        return "ok"

    results = health.run_checks({"slow": slow, "fast": lambda: "ok"}, 0.1)

    assert results == {"slow": "error: no answer in time", "fast": "ok"}


def test_a_raising_check_is_reported_by_exception_name() -> None:
    def broken() -> str:
        raise ConnectionError("refused")

    assert health.run_checks({"x": broken}, 1.0) == {"x": "error: ConnectionError"}
