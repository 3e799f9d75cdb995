"""Settings of `make bench`: the product's settings (base.py, as `make run` has them), plus the
peer (celery-progress) wired in.

Only the bench uses them. bench/run.py starts every process with them and with the
repository root on PYTHONPATH, so that the `bench` package (tasks, URLs, ASGI app) imports.

- The database: PostgreSQL when BENCH_DATABASE_URL is set, else SQLite under var/bench/.
- celery-progress as its README sets it up: in INSTALLED_APPS, its polling view under
  /celery-progress/ (bench.urls), its consumer at ws/progress/<task_id>/ (bench.asgi), and
  its own channel layer alias ("peer"), a RedisChannelLayer with the package's documented
  configuration on the same Redis. TaskPulse keeps the "default" layer of base.py, so a
  change of TaskPulse's layer never changes the peer's.
- BENCH_LAYER, BENCH_SERIALIZER and BENCH_LAYER_URL swap TaskPulse's layer for the
  comparison of layers (`make bench LAYERS=1`): "core" or "pubsub"; "msgpack", "json" or
  "orjson"; another Redis URL (the embedded Redis's unix socket).
"""

from __future__ import annotations

from typing import Any

from config.env import VAR_DIR
from config.settings.base import *  # noqa: F403
from config.settings.base import CHANNEL_LAYERS, INSTALLED_APPS, LOGGING, REDIS_URL, env

# Not the test settings: they write each end's metrics rollup at once (four statements and a
# transaction per tracked task that the product spends once a second) and close connections.
SECRET_KEY = "bench-only-secret-key-not-for-production"  # noqa: S105
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}

DATABASES = {"default": env.database("BENCH_DATABASE_URL", default_sqlite=VAR_DIR / "bench" /
                                     "bench.sqlite3")}  # fmt: skip
INSTALLED_APPS = [*INSTALLED_APPS, "celery_progress", "bench"]
WHITENOISE_AUTOREFRESH = False  # as in production (the test settings look files up per request)
ROOT_URLCONF = "bench.urls"
ASGI_APPLICATION = "bench.asgi.application"
CELERY_BEAT_SCHEDULE = {}  # no beat runs in the bench
CELERY_WORKER_SEND_TASK_EVENTS = False  # no Flower either; the same for both systems

PEER_CHANNEL_LAYER = "peer"
LAYER_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "config.channel_layer.PubSubChannelLayer",  # channels_redis' RedisPubSubChannelLayer
}


def taskpulse_layer(default: dict[str, Any]) -> dict[str, Any]:
    """TaskPulse's layer: base.py's, unless BENCH_LAYER / BENCH_SERIALIZER ask for another."""
    kind = env.text("BENCH_LAYER")
    serializer = env.text("BENCH_SERIALIZER")
    url = env.text("BENCH_LAYER_URL")  # e.g. the embedded Redis's unix socket
    if not kind and not serializer and not url:
        return default
    hosts = [dict(h, address=url) if isinstance(h, dict) and url else (url or h)
             for h in default["CONFIG"]["hosts"]]  # fmt: skip
    config: dict[str, Any] = {"hosts": hosts}
    if kind == "core" or (not kind and default["BACKEND"] == LAYER_BACKENDS["core"]):
        config.update(capacity=1000, expiry=30)  # what TaskPulse used with this layer
    if serializer:
        if serializer == "orjson":
            # Registers "orjson" with channels_redis (bench/ is on PYTHONPATH, not mypy's path).
            import bench.serializers  # type: ignore[import-not-found]  # noqa: F401
        config["serializer_format"] = serializer
    backend = LAYER_BACKENDS[kind] if kind else default["BACKEND"]
    return {"BACKEND": backend, "CONFIG": config}


CHANNEL_LAYERS = {
    "default": taskpulse_layer(CHANNEL_LAYERS["default"]),
    # celery-progress's README: channels_redis' RedisChannelLayer with its defaults.
    PEER_CHANNEL_LAYER: {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    },
}
