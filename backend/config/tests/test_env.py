from pathlib import Path

import pytest

from config.env import Env, EnvError


def env(**values: str) -> Env:
    return Env(values)


def test_database_defaults_to_sqlite_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    config = env().database(default_sqlite=tmp_path / "db.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_postgres_is_parsed(tmp_path: Path) -> None:
    config = env(DATABASE_URL="postgres://ana:pw@db.internal:5433/taskpulse").database(
        default_sqlite=tmp_path / "x"
    )

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "taskpulse")


def test_database_url_sqlite_absolute_path(tmp_path: Path) -> None:
    config = env(DATABASE_URL=f"sqlite:///{tmp_path}/other.db").database(default_sqlite=tmp_path)

    assert config["NAME"] == f"{tmp_path}/other.db"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://root@localhost/x", "unsupported scheme 'mysql'"),
        ("not a url", "unsupported scheme ''"),
        ("postgres://user@localhost:5432/", "names no database"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_malformed_database_url_names_the_variable(url: str, problem: str, tmp_path: Path) -> None:
    with pytest.raises(EnvError) as error:
        env(DATABASE_URL=url).database(default_sqlite=tmp_path)

    assert str(error.value).startswith("DATABASE_URL: ")
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://localhost:6379", "unsupported scheme 'http'"),
        ("redis://:6379/0", "names no host"),
        ("redis://localhost:port/0", "malformed port"),
    ],
)
def test_malformed_redis_url_names_the_variable(url: str, problem: str) -> None:
    with pytest.raises(EnvError) as error:
        env(REDIS_URL=url).redis_url(default="redis://127.0.0.1:6379/0")

    assert str(error.value).startswith("REDIS_URL: ")
    assert problem in str(error.value)


def test_redis_url_default_when_unset() -> None:
    assert env().redis_url(default="redis://127.0.0.1:1/0") == "redis://127.0.0.1:1/0"


def test_bool_int_and_list_readers() -> None:
    values = env(DEBUG="yes", WEB_PORT="8080", ALLOWED_HOSTS="a.example, b.example ,")

    assert values.flag("DEBUG", default=False) is True
    assert values.port("WEB_PORT", default=8000) == 8080
    assert values.items("ALLOWED_HOSTS", default=[]) == ["a.example", "b.example"]


def test_number_reader() -> None:
    assert env(FLOWER_TIMEOUT="2.5").number("FLOWER_TIMEOUT", default=1.5) == 2.5
    assert env().number("FLOWER_TIMEOUT", default=1.5) == 1.5


def test_choice_and_rate_readers() -> None:
    values = env(TASKPULSE_DEPLOY_PROVIDER=" vSphere ", TASKPULSE_DEPLOY_RATE="20 / hour")
    choices = ["simulator", "vsphere"]

    assert values.choice("TASKPULSE_DEPLOY_PROVIDER", default="simulator", choices=choices) == (
        "vsphere"
    )
    assert env().choice("TASKPULSE_DEPLOY_PROVIDER", default="simulator", choices=choices) == (
        "simulator"
    )
    assert values.rate("TASKPULSE_DEPLOY_RATE", default="100/min") == "20/hour"
    assert env().rate("TASKPULSE_DEPLOY_RATE", default="100/min") == "100/min"


@pytest.mark.parametrize(
    ("value", "call"),
    [
        ("ec2", lambda e: e.choice("X", default="a", choices=["a", "b"])),
        ("100", lambda e: e.rate("X", default="1/s")),
        ("0/min", lambda e: e.rate("X", default="1/s")),
        ("10/fortnight", lambda e: e.rate("X", default="1/s")),
    ],
)
def test_bad_choices_and_rates_name_the_variable(value: str, call) -> None:
    with pytest.raises(EnvError, match=r"^X: expected"):
        call(env(X=value))


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [
        ("DEBUG", "maybe", lambda e: e.flag("DEBUG", default=False)),
        ("WEB_PORT", "80a", lambda e: e.port("WEB_PORT", default=8000)),
        ("WEB_PORT", "70000", lambda e: e.port("WEB_PORT", default=8000)),
        ("FLOWER_TIMEOUT", "fast", lambda e: e.number("FLOWER_TIMEOUT", default=1.5)),
        ("FLOWER_TIMEOUT", "nan", lambda e: e.number("FLOWER_TIMEOUT", default=1.5)),
        ("FLOWER_TIMEOUT", "-1", lambda e: e.number("FLOWER_TIMEOUT", default=1.5)),
    ],
)
def test_bad_scalars_name_the_variable(name: str, value: str, call) -> None:
    with pytest.raises(EnvError, match=f"^{name}: "):
        call(env(**{name: value}))


def test_production_settings_refuse_to_start_without_secret_key() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        env={"PATH": "/usr/bin:/bin", "TASKPULSE_VAR_DIR": "/nonexistent"},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY: required by the production settings" in result.stderr


def test_counts_are_name_number_pairs() -> None:
    assert Env({}).counts("C", default={"deploy": 1}) == {"deploy": 1}
    assert Env({"C": " deploy=2, reports = 0 "}).counts("C", default={}) == {
        "deploy": 2, "reports": 0,
    }  # fmt: skip
    assert Env({"C": ""}).counts("C", default={"deploy": 1}) == {}
    for bad in ("deploy", "deploy=x", "=1", "deploy=-1"):
        with pytest.raises(EnvError, match="C: expected name=number pairs"):
            Env({"C": bad}).counts("C", default={})
