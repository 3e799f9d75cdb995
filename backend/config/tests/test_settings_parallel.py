"""The test settings under pytest -n (testing.parallel): each test process, and what its tests
start, on a Redis database and channel names of its own. Built in fresh interpreters, as an
xdist worker and a process it starts build them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from testing.live import process_env
from testing.parallel import WORKER_VARIABLE, redis_database, with_redis_database, worker_number

BACKEND = Path(__file__).resolve().parents[2]
PRINT_REDIS = """
import json, django
from django.conf import settings as s
print(json.dumps({
    "redis": s.REDIS_URL, "broker": s.CELERY_BROKER_URL, "cache": s.CACHES["default"]["LOCATION"],
    "layer": s.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"],
    "prefix": s.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi"),
}))
"""


def settings_under(**env: str) -> dict[str, str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    answer = subprocess.run([sys.executable, "-c", PRINT_REDIS], cwd=BACKEND, env={**base, **env},
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(answer.stdout)


def test_each_worker_has_its_own_redis_database_and_channel_names() -> None:
    first = settings_under(REDIS_URL="redis://127.0.0.1:6390/0", **{WORKER_VARIABLE: "gw0"})
    third = settings_under(REDIS_URL="redis://127.0.0.1:6390/0", **{WORKER_VARIABLE: "gw2"})

    assert first == {"redis": "redis://127.0.0.1:6390/0", "broker": "redis://127.0.0.1:6390/0",
                     "cache": "redis://127.0.0.1:6390/0", "layer": "redis://127.0.0.1:6390/0",
                     "prefix": "asgi"}  # fmt: skip
    assert third == {"redis": "redis://127.0.0.1:6390/2", "broker": "redis://127.0.0.1:6390/2",
                     "cache": "redis://127.0.0.1:6390/2", "layer": "redis://127.0.0.1:6390/2",
                     "prefix": "asgi-db2"}  # fmt: skip


def test_a_started_process_keeps_the_database_it_is_given() -> None:
    """A worker's fuzz server runs on database 8 + n: without the worker's name in its
    environment, its settings keep that database (and name its channels after it)."""
    settings = settings_under(REDIS_URL="redis://127.0.0.1:6390/9")

    assert settings["redis"] == settings["broker"] == "redis://127.0.0.1:6390/9"
    assert settings["prefix"] == "asgi-db9"


def test_process_env_names_the_redis_database_and_drops_the_worker_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WORKER_VARIABLE, "gw1")

    env = process_env()

    assert WORKER_VARIABLE not in env
    assert env["REDIS_URL"]


@pytest.mark.parametrize(
    ("url", "database", "moved"),
    [
        ("redis://127.0.0.1:6390/0", 0, "redis://127.0.0.1:6390/3"),
        ("redis://:pw@127.0.0.1:6390", 0, "redis://:pw@127.0.0.1:6390/3"),
        ("rediss://r:6380/5", 5, "rediss://r:6380/3"),
        ("unix:///run/redis.sock?db=4&x=1", 4, "unix:///run/redis.sock?x=1&db=3"),
        ("unix:///run/redis.sock", 0, "unix:///run/redis.sock?db=3"),
    ],
)
def test_redis_urls_name_and_change_their_database(url: str, database: int, moved: str) -> None:
    assert redis_database(url) == database
    assert with_redis_database(url, 3) == moved


def test_a_sentinel_url_is_left_alone() -> None:
    assert redis_database("sentinel://s1:26379;sentinel://s2:26379") is None


def test_more_workers_than_databases_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_VARIABLE, "gw8")

    with pytest.raises(RuntimeError, match="at most 8"):
        worker_number()
