"""What `python -m stack run` starts: Flower's command line and environment, and the worker
of Django's tasks framework when it is on."""

from __future__ import annotations

import pytest

from config.env import Env, EnvError
from stack.__main__ import programs
from stack.flower import flower_env


def test_flower_listens_on_loopback_and_gets_its_credentials_by_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWER_URL", "http://127.0.0.1:5599")
    monkeypatch.setenv("FLOWER_USER", "admin")
    monkeypatch.setenv("FLOWER_PASSWORD", "s3cret-flower-pw")

    [flower] = [program for program in programs(Env()) if program.name == "flower"]

    assert "--address=127.0.0.1" in flower.argv
    assert "--port=5599" in flower.argv
    assert not [part for part in flower.argv if "s3cret-flower-pw" in part or "basic_auth" in part]
    assert flower.env == {"FLOWER_BASIC_AUTH": "admin:s3cret-flower-pw"}


@pytest.mark.parametrize(("flag", "started"), [("true", True), ("false", False), (None, False)])
def test_the_django_tasks_worker_runs_beside_celery_when_enabled(
    monkeypatch: pytest.MonkeyPatch, flag: str | None, started: bool
) -> None:
    monkeypatch.setenv("FLOWER_URL", "http://127.0.0.1:5599")
    monkeypatch.setenv("FLOWER_USER", "admin")
    monkeypatch.setenv("FLOWER_PASSWORD", "pw")
    if flag is None:
        monkeypatch.delenv("TASKPULSE_DJANGO_TASKS", raising=False)
    else:
        monkeypatch.setenv("TASKPULSE_DJANGO_TASKS", flag)

    found = [program for program in programs(Env()) if program.name == "db_worker"]

    assert bool(found) is started
    assert {"worker", "beat", "web"} <= {program.name for program in programs(Env())}
    if found:
        assert found[0].argv[2:4] == ["db_worker", "--no-reload"]
        assert found[0].argv[-1].startswith("db_worker@")


@pytest.mark.parametrize(("user", "password", "variable"), [
    ("admin", "one,two", "FLOWER_PASSWORD"), ("ad,min", "pw", "FLOWER_USER"),
])  # fmt: skip
def test_a_comma_in_flowers_credentials_is_refused_by_name(
    user: str, password: str, variable: str
) -> None:
    with pytest.raises(EnvError, match=f"^{variable}: must not contain a comma"):
        flower_env(user, password)
