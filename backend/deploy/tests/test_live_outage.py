"""End to end: deployments launched through the real web server while its Redis is down.

README promises that a launch made during a broker outage is kept and sent when the broker
is back. The rate limit's counts live in the same Redis: when it is down, launches are not
counted (the limit fails open, said once in the log), instead of every launch answering 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from deploy.models import DeploymentHistory
from deploy.tests.conftest import params
from task_manager.models import ExecutionStatus
from testing.live import LiveRedis, LiveServer, process_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUTAGE_LAUNCHES = 4


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LiveRedis]:
    server = LiveRedis(tmp_path / "redis")
    yield server
    server.stop()


def launch(server: LiveServer, token: str, **fields: object) -> requests.Response:
    return requests.post(
        f"{server.url}/api/deploy/deployments/", json=params(**fields),
        headers={"Authorization": f"Token {token}"}, timeout=60,
    )  # fmt: skip


def test_the_rate_limit_fails_open_while_redis_is_down_and_counts_again_after(
    own_redis: LiveRedis, tmp_path: Path
) -> None:
    """Throttles run before the view: a launch with a bad hostname shows what the rate limit
    did (500 when its Redis call raised; 400, the view's answer, when it lets it through)."""
    env = process_env(REDIS_URL=own_redis.url, TASKPULSE_DEPLOY_RATE="3/min")
    web = LiveServer(tmp_path / "web.log", env=env)
    try:
        token = Token.objects.create(user=User.objects.create_user("ana")).key
        first = launch(web, token, hostname="before-1")
        own_redis.halt()
        during = [launch(web, token, hostname="-bad-") for _ in range(OUTAGE_LAUNCHES)]
        own_redis.start()
        after = [launch(web, token, hostname=f"after-{n}") for n in range(3)]
    finally:
        web.stop()

    assert first.status_code == 202
    assert [r.status_code for r in during] == [400] * OUTAGE_LAUNCHES, web.output()[-3000:]
    assert "hostname" in during[0].json()["errors"]
    # Counted again once Redis is back: 1 before, 2 after, then the limit of 3.
    assert [r.status_code for r in after] == [202, 202, 429]
    log = web.output()
    assert log.count("deploy rate limit: Redis unreachable") == 1
    assert log.count("deploy rate limit: Redis is back after 4 failed calls") == 1
    assert "Traceback" not in log


def test_launches_during_a_redis_outage_are_accepted_and_kept(
    own_redis: LiveRedis, tmp_path: Path
) -> None:
    web = LiveServer(tmp_path / "web.log", env=process_env(REDIS_URL=own_redis.url))
    try:
        token = Token.objects.create(user=User.objects.create_user("ana")).key
        own_redis.halt()
        during = launch(web, token, hostname="during-1")
        own_redis.start()
    finally:
        web.stop()

    assert during.status_code == 202, web.output()[-3000:]
    history = DeploymentHistory.objects.select_related("execution").get()
    assert history.execution is not None
    assert history.execution.status == ExecutionStatus.PENDING
    assert history.execution.queued_at is None  # recovery sends it when Redis is back
