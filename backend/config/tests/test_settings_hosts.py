"""Settings for many hosts: every process reads its role's settings from the environment
alone. The production settings are built in a fresh interpreter from an environment such as
an orchestrator gives, and what they made is compared with what was asked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.env import Env, EnvError
from config.redis_conn import (
    SentinelTarget,
    cache_settings,
    channel_layer_host,
    transport_options,
)

BACKEND = Path(__file__).resolve().parents[2]
SENTINELS = "sentinel://:master-pw@10.0.0.1:26379/2;sentinel://:master-pw@10.0.0.2:26380/2"
PRINT_SETTINGS = """
import json, django
from django.conf import settings as s
layer = s.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
print(json.dumps({
    "allowed_hosts": s.ALLOWED_HOSTS, "csrf": s.CSRF_TRUSTED_ORIGINS,
    "proxy_header": s.SECURE_PROXY_SSL_HEADER, "broker": s.CELERY_BROKER_URL,
    "broker_kind": s.BROKER_KIND, "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "result_options": s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS, "results": s.CELERY_RESULT_BACKEND,
    "management": s.RABBITMQ_MANAGEMENT_URL, "cache": s.CACHES["default"],
    "layer": {k: v for k, v in layer.items() if k != "retry"},
    "storage": s.STORAGES["default"], "media_root": str(s.MEDIA_ROOT),
    "database": s.DATABASES["default"].get("HOST"),
    "queue_type": getattr(s, "CELERY_TASK_DEFAULT_QUEUE_TYPE", None),
}))
"""


def production_settings(**env: str) -> dict[str, Any]:
    base = {"PATH": "/usr/bin:/bin", "TASKPULSE_VAR_DIR": "/nonexistent", "SECRET_KEY": "k" * 50,
            "DJANGO_SETTINGS_MODULE": "config.settings.production"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], env={**base, **env},
                            capture_output=True, text=True, cwd=BACKEND, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_a_worker_host_on_rabbitmq_and_redis_sentinel_gets_everything_from_its_environment(
) -> None:  # fmt: skip
    made = production_settings(
        ALLOWED_HOSTS="taskpulse.example.org,10.1.2.3",
        CSRF_TRUSTED_ORIGINS="https://taskpulse.example.org",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DATABASE_URL="postgres://tp:pw@db.internal:5432/taskpulse",
        REDIS_URL=SENTINELS, REDIS_SENTINEL_MASTER="tp-master",
        REDIS_SENTINEL_PASSWORD="sentinel-pw",
        CELERY_BROKER_URL="amqp://tp:pw@rabbit.internal:5672/taskpulse",
        RABBITMQ_MANAGEMENT_URL="http://tp:pw@rabbit.internal:15672/",
        TASKPULSE_QUEUE_TYPE="quorum",
        MEDIA_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        MEDIA_STORAGE_OPTIONS='{"bucket_name": "tp-media", "endpoint_url": "https://s3.internal"}',
    )  # fmt: skip

    assert made["allowed_hosts"] == ["taskpulse.example.org", "10.1.2.3"]
    assert made["csrf"] == ["https://taskpulse.example.org"]
    assert made["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert made["database"] == "db.internal"
    assert (made["broker"], made["broker_kind"]) == (
        "amqp://tp:pw@rabbit.internal:5672/taskpulse",
        "amqp",
    )
    assert made["broker_options"] == {"confirm_publish": True}
    assert made["queue_type"] == "quorum"
    assert made["management"] == "http://tp:pw@rabbit.internal:15672"
    assert made["results"] == SENTINELS
    assert made["result_options"]["master_name"] == "tp-master"
    assert made["result_options"]["sentinel_kwargs"] == {"password": "sentinel-pw"}
    assert made["layer"] == {
        "sentinels": [["10.0.0.1", 26379], ["10.0.0.2", 26380]], "master_name": "tp-master",
        "sentinel_kwargs": {"password": "sentinel-pw"}, "db": 2, "password": "master-pw",
        "socket_timeout": 30, "socket_connect_timeout": 2,
    }  # fmt: skip
    assert made["cache"]["OPTIONS"]["pool_class"] == "config.redis_conn.SentinelPool"
    assert made["cache"]["OPTIONS"]["sentinel_url"] == SENTINELS
    assert made["storage"] == {"BACKEND": "storages.backends.s3.S3Storage",
                               "OPTIONS": {"bucket_name": "tp-media",
                                           "endpoint_url": "https://s3.internal"}}  # fmt: skip


def test_a_redis_broker_through_sentinel_gets_kombu_s_transport_options() -> None:
    made = production_settings(REDIS_URL=SENTINELS, REDIS_SENTINEL_MASTER="tp-master",
                               MEDIA_ROOT="/srv/shared/media")  # fmt: skip
    assert made["broker"] == SENTINELS
    assert (made["broker_kind"], made["queue_type"]) == ("redis", None)
    assert made["broker_options"]["master_name"] == "tp-master"
    assert "sentinel_kwargs" not in made["broker_options"]  # the sentinels need no password
    assert made["media_root"] == "/srv/shared/media"
    assert made["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_the_proxy_header_can_be_turned_off_and_defaults_hold() -> None:
    made = production_settings(SECURE_PROXY_SSL_HEADER="off")
    assert made["proxy_header"] is None
    assert made["allowed_hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert made["broker_kind"] == "redis"
    assert made["layer"]["address"] == made["broker"]


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("CELERY_BROKER_URL", "sqs://key@", "unsupported scheme 'sqs'"),
    ("CELERY_BROKER_URL", "amqp://", "names no host"),
    ("REDIS_URL", "sentinel://s1:26379;redis://r:6379", "every part of a Sentinel URL"),
    ("RABBITMQ_MANAGEMENT_URL", "ftp://x", "unsupported scheme 'ftp'"),
    ("MEDIA_STORAGE_OPTIONS", "[1, 2]", "expected a JSON object"),
    ("MEDIA_STORAGE_OPTIONS", "{bad", "expected a JSON object"),
    ("MEDIA_STORAGE_BACKEND", "not a path", "expected a dotted path"),
])  # fmt: skip
def test_a_bad_value_names_its_variable(name: str, value: str, problem: str) -> None:
    env = Env({name: value})
    readers = {
        "CELERY_BROKER_URL": lambda: env.broker_url(name, default="redis://r:6379/0"),
        "REDIS_URL": lambda: env.redis_url(name, default=""),
        "RABBITMQ_MANAGEMENT_URL": lambda: env.http_url(name),
        "MEDIA_STORAGE_OPTIONS": lambda: env.json_object(name),
        "MEDIA_STORAGE_BACKEND": lambda: env.dotted_path(name, default="a.B"),
    }
    with pytest.raises(EnvError, match=problem) as raised:
        readers[name]()
    assert raised.value.name == name


def test_sentinel_urls_are_read_as_kombu_writes_them() -> None:
    target = SentinelTarget.from_url(SENTINELS, master="m", sentinel_password="sp")
    assert target.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380))
    assert (target.db, target.password, target.master) == (2, "master-pw", "m")
    assert transport_options("redis://r:6379/0", master="m") == {}
    assert channel_layer_host("redis://r:6379/0", master="m", socket_timeout=3) == {
        "address": "redis://r:6379/0",
        "socket_timeout": 3,
    }
    assert cache_settings("redis://r:6379/0", master="m") == {"LOCATION": "redis://r:6379/0"}
    with pytest.raises(ValueError, match="master"):
        SentinelTarget.from_url(SENTINELS, master="")
