"""Settings shared by every TaskPulse process; values come from the environment via Env."""

from __future__ import annotations

from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from csp.constants import NONCE, NONE, SELF
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from config.env import (
    BASE_DIR,
    REPO_DIR,
    VAR_DIR,
    Env,
    broker_kind,
    embedded_redis_url,
    web_database,
)
from config.redis_conn import cache_settings, channel_layer_host, transport_options

env = Env()

DEBUG = env.flag("DEBUG", default=False)
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS", default=[])
WEB_PORT = env.port("WEB_PORT", default=8000)


# Each settings module decides what happens without SECRET_KEY (see local and production).
SECRET_KEY = env.text("SECRET_KEY")

# Django's tasks framework: built in from Django 6.0 (django.tasks), the django-tasks backport
# before; its database backend (django-tasks-db) holds queued tasks for `manage.py db_worker`.
# TaskPulse tracks both kinds of work (task_manager.django_tasks). Off, tasks run at once in
# the process that enqueues them (ImmediateBackend), tracked all the same.
TASKPULSE_DJANGO_TASKS = env.flag("TASKPULSE_DJANGO_TASKS", default=False)
_TASKS_PACKAGE = "django.tasks" if find_spec("django.tasks") else "django_tasks"
DJANGO_TASKS_APPS = ["django_tasks_db"] if _TASKS_PACKAGE == "django.tasks" else [
    "django_tasks", "django_tasks_db"
]  # fmt: skip
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKPULSE_DJANGO_TASKS
        else f"{_TASKS_PACKAGE}.backends.immediate.ImmediateBackend"
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our static files
    "channels",
    "axes",
    "csp",
    *DJANGO_TASKS_APPS,
    "task_manager",
    "cluster",
    "deploy",
    "edi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, which answers /assets/ and /static/ itself: every answer gets them.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: turns a lockout flagged during the view into a 429.
    "axes.middleware.AxesMiddleware",
]

# django-axes sees every authenticate() first and refuses it while its client is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
# With SECURE_SSL_REDIRECT on (production), the health check still answers on plain HTTP:
# the compose healthcheck and load balancers probe the web process from inside.
SECURE_REDIRECT_EXEMPT = [r"^api/health/((live|ready)/)?$"]

# --- What browsers may do with our pages ----------------------------------------------------
# Content-Security-Policy (django-csp) on every answer: scripts, styles, images and
# connections from this origin only; an inline <script> or <style> runs only with the nonce
# of its own answer (the API docs' templates put it there). In current browsers 'self' in
# connect-src also covers ws:/wss: to this host, the live updates' WebSocket. A few views
# widen it for what they serve (config/urls.py: Redoc; cluster/flower_proxy.py: Flower).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # the favicon and the stylesheets' icons are data: URLs
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy: powerful browser features that TaskPulse never uses, off for every page
# and every frame (a console warning names any feature Chromium does not know: keep to these).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid",
        "magnetometer", "microphone", "midi", "payment", "serial", "usb",
    )
}  # fmt: skip
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.database(default_sqlite=VAR_DIR / "db.sqlite3")}
# The web process (config.asgi says it is one) takes its PostgreSQL connections from a pool
# of at most this many; workers and beat keep one persistent connection per process.
TASKPULSE_WEB_DB_POOL_SIZE = env.integer("TASKPULSE_WEB_DB_POOL_SIZE", default=10, minimum=1,
                                         maximum=1000)  # fmt: skip
if env.flag("TASKPULSE_WEB_PROCESS", default=False):
    DATABASES["default"] = web_database(DATABASES["default"], pool_size=TASKPULSE_WEB_DB_POOL_SIZE)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
FRONTEND_DIST = REPO_DIR / "frontend" / "dist"
# The built React app is served from the site root (index.html, /assets/...).
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.is_dir() else None
# Uploads (EDI files) go through Django's storage API (default_storage), so that web and
# workers on other hosts share them: a folder they all mount (MEDIA_ROOT), or an object store
# (README, "Scaling out": MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage with
# django-storages installed, and its options as JSON in MEDIA_STORAGE_OPTIONS).
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_STORAGE = {
    "BACKEND": env.dotted_path(
        "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": env.json_object("MEDIA_STORAGE_OPTIONS"),
}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads (EDI files) are private like the rest of var/; Django's default is 0644.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700


def vite_asset_is_immutable(path: str, url: str) -> bool:
    """Vite puts a content hash in every file name under /assets/."""
    return url.startswith("/assets/")


WHITENOISE_IMMUTABLE_FILE_TEST = vite_asset_is_immutable

# --- Redis: broker, result backend and channel layer -------------------------------------
# REDIS_URL may name the master of a Redis Sentinel group instead of a server, in Kombu's form:
# sentinel://[:password@]host:26379[/db];sentinel://host2:26379 (config.redis_conn).
REDIS_URL = env.redis_url(default=embedded_redis_url() or "redis://127.0.0.1:6379/0")
REDIS_SENTINEL_MASTER = env.text("REDIS_SENTINEL_MASTER", default="mymaster")
REDIS_SENTINEL_PASSWORD = env.text("REDIS_SENTINEL_PASSWORD")
_sentinel = {"master": REDIS_SENTINEL_MASTER, "sentinel_password": REDIS_SENTINEL_PASSWORD}

# Redis pub/sub (README, "Performance"): a group_send is one PUBLISH, each web process gets
# one copy and hands it to its members, no per-member Redis keys, no capacity to overflow;
# make bench measured it ahead of RedisChannelLayer on every figure with no final state
# lost. Every event is also in the database (seq), which clients catch up from.
# The socket timeout stays above the layer's own blocking reads (redis-py's default of 5 s
# made RedisChannelLayer's 5 s BZPOPMIN fail with "Timeout reading" and drop the socket).
# After Redis restarts, every connection the layer holds is dead. channels_redis 4.3 relies
# on redis-py to reconnect, which it does only for a client with a retry policy: without
# one, the first PUBLISH after a restart was dropped, and a socket joining a group before
# the receive loop's next attempt (1 s later) failed its handshake. With it, a command that
# meets a dead connection reconnects (re-subscribing the pub/sub connection's channels) and
# is sent again; while Redis stays down it fails after about 1.5 s.
CHANNEL_LAYER_SOCKET_TIMEOUT = 30
CHANNEL_LAYER_HOST = channel_layer_host(
    REDIS_URL, **_sentinel,
    socket_timeout=CHANNEL_LAYER_SOCKET_TIMEOUT,
    socket_connect_timeout=2,
    retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 4),
)  # fmt: skip
# That layer, with a smaller inbox per consumer (config.channel_layer: idle sockets' memory).
CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "config.channel_layer.PubSubChannelLayer",
        "CONFIG": {"hosts": [CHANNEL_LAYER_HOST]},
    },
}

# Shared by every process (rate limits, the Flower cache): Redis, not process memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        **cache_settings(REDIS_URL, **_sentinel),
        "KEY_PREFIX": "taskpulse",
    },
}

# --- Login lockout (django-axes): the login and token endpoints, and the Django admin's ---
# The Nth failed login in a row from one client address, or for one username, locks both
# out for the window; every attempt then, the right password too, answers 429 with
# Retry-After. Counted in the shared cache (Redis), so every web process counts together.
TASKPULSE_LOGIN_FAILURES = env.integer("TASKPULSE_LOGIN_FAILURES", default=5, minimum=1,
                                       maximum=1000)  # fmt: skip
TASKPULSE_LOGIN_LOCKOUT_SECONDS = env.integer(
    "TASKPULSE_LOGIN_LOCKOUT_SECONDS", default=900, minimum=1, maximum=7 * 24 * 3600
)
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"  # no database write per attempt
AXES_FAILURE_LIMIT = TASKPULSE_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=TASKPULSE_LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one locks
# A fixed window: attempts during a lockout neither count nor extend it, so Retry-After holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "task_manager.api.auth.lockout_response"
AXES_SENSITIVE_PARAMETERS: list[str] = []  # the log names the username and the address

# --- Celery (read by config.celery with namespace CELERY) ---------------------------------
TASKPULSE_LONGEST_TASK_SECONDS = env.integer(
    "TASKPULSE_LONGEST_TASK_SECONDS", default=3600, minimum=1
)
# Redis redelivers an unacknowledged message after the visibility timeout; it must be
# longer than the longest task or a running task would be started a second time.
_visibility_timeout = TASKPULSE_LONGEST_TASK_SECONDS * 2

# The broker: Redis (REDIS_URL) unless CELERY_BROKER_URL names another, e.g. RabbitMQ
# (amqp://user:password@host:5672/vhost; README, "Scaling out"). Celery reads that variable
# itself too: both agree. Results, the channel layer and the cache stay on Redis.
CELERY_BROKER_URL = env.broker_url("CELERY_BROKER_URL", default=REDIS_URL)
BROKER_KIND = broker_kind(CELERY_BROKER_URL)
# RabbitMQ's management API (http://user:password@host:15672): the queue views read queue
# depths, unacknowledged messages and head ages from it; without it, passive declares.
RABBITMQ_MANAGEMENT_URL = env.http_url("RABBITMQ_MANAGEMENT_URL")
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer within this many seconds is down for a sender: a launch
# answers 202 "stored, will be sent" after about this long (recovery sends it later). It
# bounds connecting (each try, and all tries of a publish); the worker's own reconnect
# loop keeps retrying, as before.
BROKER_ANSWER_SECONDS = 2
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_ANSWER_SECONDS
if BROKER_KIND == "amqp":
    # A publish returns once RabbitMQ has the message (publisher confirms): queued_at then
    # means the broker holds it, as on Redis, where the push is the write.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"confirm_publish": True}
    # "quorum": every queue that senders and workers declare is a replicated quorum queue
    # (README, "RabbitMQ as the broker"; a delivery limit comes from a RabbitMQ policy).
    CELERY_TASK_DEFAULT_QUEUE_TYPE = env.choice(
        "TASKPULSE_QUEUE_TYPE", default="classic", choices=["classic", "quorum"]
    )
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = CELERY_TASK_DEFAULT_QUEUE_TYPE
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        "socket_connect_timeout": BROKER_ANSWER_SECONDS,
        **transport_options(CELERY_BROKER_URL, **_sentinel),
    }
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    **transport_options(REDIS_URL, **_sentinel),
}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
# When the broker connection is lost, running tasks go on (their ack waits for the new
# connection) instead of being cancelled and redelivered: a Redis blip does not restart every
# running deployment (config/celery.py silences Celery's warning about it at each reconnect).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Celery's Django fixup closes the database connection before and after every task unless
# this is set: a new connection per task (a new server process on PostgreSQL) cost more
# than the task itself (make bench). task_manager.signals runs close_old_connections()
# around every task instead, which honours CONN_MAX_AGE and CONN_HEALTH_CHECKS.
CELERY_DB_REUSE_MAX = 1_000_000
# How often beat sends recovery (its thresholds are below). While the broker is down beat
# cannot send it: those ticks are skipped, and the first one after the broker is back runs.
TASKPULSE_RECOVERY_INTERVAL_SECONDS = env.number(
    "TASKPULSE_RECOVERY_INTERVAL_SECONDS", default=60.0, minimum=1.0, maximum=86400.0
)
CELERY_BEAT_SCHEDULE = {
    "taskpulse-recovery": {
        "task": "task_manager.recover_executions",
        "schedule": TASKPULSE_RECOVERY_INTERVAL_SECONDS,
        # A tick not run within its interval is dropped: the next one does its work.
        "options": {"expires": TASKPULSE_RECOVERY_INTERVAL_SECONDS},
    },
    "taskpulse-retention": {"task": "task_manager.purge_old_executions", "schedule": 3600.0},
    "taskpulse-edi-uploads": {"task": "edi.purge_old_uploads", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "config.beat:Scheduler"  # stops cleanly on SIGTERM at any moment

# --- TaskPulse ------------------------------------------------------------------------------
# Cancel: how long a running task gets to honour a cancel before staff may terminate it.
TASKPULSE_CANCEL_GRACE_SECONDS = env.integer("TASKPULSE_CANCEL_GRACE_SECONDS", default=30)
# A sustained burst of progress reports is written and pushed once per interval per execution.
TASKPULSE_PROGRESS_INTERVAL_MS = env.integer("TASKPULSE_PROGRESS_INTERVAL_MS", default=100)
# A report that follows a write within this many ms waits that long for the reports right
# behind it (a step and its log line travel together); see task_manager.coalescing.
TASKPULSE_PROGRESS_DEBOUNCE_MS = env.integer(
    "TASKPULSE_PROGRESS_DEBOUNCE_MS", default=3, minimum=0, maximum=1000
)
# Recovery (defaults; a template can override the PENDING thresholds).
TASKPULSE_PENDING_REQUEUE_AFTER = env.integer("TASKPULSE_PENDING_REQUEUE_AFTER", default=120)
TASKPULSE_PENDING_TIMEOUT = env.integer("TASKPULSE_PENDING_TIMEOUT", default=3600)
# A launch not yet sent (broker down) is sent by recovery once it is this old.
TASKPULSE_UNSENT_GRACE_SECONDS = env.integer("TASKPULSE_UNSENT_GRACE_SECONDS", default=15)
TASKPULSE_WORKER_LOST_AFTER = env.integer("TASKPULSE_WORKER_LOST_AFTER", default=60)
# RabbitMQ gives a dead worker's unacknowledged message back by itself, and that copy takes
# the execution over: recovery waits this much longer than TASKPULSE_WORKER_LOST_AFTER for
# it before it re-queues or fails a lost execution (more while its queue has messages ready).
TASKPULSE_REDELIVERY_GRACE_SECONDS = env.integer(
    "TASKPULSE_REDELIVERY_GRACE_SECONDS", default=300, minimum=0, maximum=7 * 24 * 3600
)
# RabbitMQ: a redelivered copy whose owner's worker does not answer asks it again for this
# long before it takes the execution over (a worker reconnecting after a broker restart
# answers within a few seconds; a killed one never does). Redis never takes over from a
# silent owner (its redelivery means a connection blip, not a death).
TASKPULSE_OWNER_SILENT_SECONDS = env.number(
    "TASKPULSE_OWNER_SILENT_SECONDS", default=15.0, minimum=0.0, maximum=600.0
)
TASKPULSE_MAX_REQUEUES = env.integer("TASKPULSE_MAX_REQUEUES", default=3)
TASKPULSE_RETENTION_DAYS = env.integer("TASKPULSE_RETENTION_DAYS", default=30, minimum=1)
# At most this many of a user's launches per module run (queued or running) at once; the
# others wait their turn, PENDING (task_manager.turns). A module not named, or 0: no limit.
TASKPULSE_USER_CONCURRENCY = env.counts("TASKPULSE_USER_CONCURRENCY", default={"deploy": 1})
# Keys of an execution's args, kwargs and params whose value is answered as "[redacted]"
# (REST, WebSocket, export): a key containing one of these words, any case.
TASKPULSE_REDACT_KEYS = env.items(
    "TASKPULSE_REDACT_KEYS", default=["password", "token", "secret", "key"]
)
# An execution's args or kwargs larger than this (JSON) are answered as null, flagged with
# `arguments_truncated`; they are kept whole for recovery and retries.
TASKPULSE_ARGUMENTS_MAX_BYTES = env.integer(
    "TASKPULSE_ARGUMENTS_MAX_BYTES", default=16384, minimum=256, maximum=2**24
)
# A bulk action (POST executions/bulk/) acts on at most this many executions.
TASKPULSE_BULK_MAX = env.integer("TASKPULSE_BULK_MAX", default=10000, minimum=1, maximum=10**6)

# A WebSocket that has not authenticated within this many seconds is closed with 4401.
TASKPULSE_WS_AUTH_TIMEOUT = env.number(
    "TASKPULSE_WS_AUTH_TIMEOUT", default=10.0, minimum=0.1, maximum=300
)

# --- /metrics for Prometheus (cluster/prometheus.py) ---------------------------------------
# Off unless enabled. With a token, a scrape must send `Authorization: Bearer <token>`;
# without one, only the client addresses in the allow-list may scrape (loopback by default;
# the socket's address, not X-Forwarded-For: behind a proxy, use the token).
TASKPULSE_METRICS = env.flag("TASKPULSE_METRICS", default=False)
TASKPULSE_METRICS_TOKEN = env.text("TASKPULSE_METRICS_TOKEN")
TASKPULSE_METRICS_ALLOW = env.networks(
    "TASKPULSE_METRICS_ALLOW", default=["127.0.0.0/8", "::1/128"]
)
# How often a process writes the metrics rollups of the executions it ended, summed
# (task_manager.rollups); 0 writes each end's rows right after its commit.
TASKPULSE_ROLLUP_FLUSH_SECONDS = env.number(
    "TASKPULSE_ROLLUP_FLUSH_SECONDS", default=1.0, minimum=0.0, maximum=60.0
)

# --- deploy: VM deployments ---------------------------------------------------------------
# Who runs new deployments: "simulator" (no vCenter needed) or "vsphere" (pyVmomi extra).
TASKPULSE_DEPLOY_PROVIDER = env.choice(
    "TASKPULSE_DEPLOY_PROVIDER", default="simulator", choices=["simulator", "vsphere"]
)
# The simulator's pace: at 1 a deployment takes 45 s, at 10 it takes 4.5 s.
TASKPULSE_SIMULATOR_SPEED = env.number(
    "TASKPULSE_SIMULATOR_SPEED", default=1.0, minimum=0.01, maximum=10_000
)
# Launches per user, shared by POST /api/deploy/deployments/ and the "Deploy VM" template.
TASKPULSE_DEPLOY_RATE = env.rate("TASKPULSE_DEPLOY_RATE", default="100/min")
# A transient provider error is retried after base * 2**retry seconds (3 retries).
TASKPULSE_DEPLOY_RETRY_BASE_SECONDS = env.number(
    "TASKPULSE_DEPLOY_RETRY_BASE_SECONDS", default=5.0, minimum=0, maximum=600
)
# vSphere: the only vCenters a deployment may name (credentials never go anywhere else).
TASKPULSE_VSPHERE_HOSTS = env.items("TASKPULSE_VSPHERE_HOSTS", default=[])
TASKPULSE_VSPHERE_USER = env.text("TASKPULSE_VSPHERE_USER")
TASKPULSE_VSPHERE_PASSWORD = env.text("TASKPULSE_VSPHERE_PASSWORD")
TASKPULSE_VSPHERE_VERIFY_SSL = env.flag("TASKPULSE_VSPHERE_VERIFY_SSL", default=True)

# --- edi: EDIFACT invoice import ------------------------------------------------------------
# One upload: at most this many files, each at most this many bytes (else a 400 per file).
TASKPULSE_EDI_MAX_FILES = env.integer("TASKPULSE_EDI_MAX_FILES", default=100, minimum=1,
                                      maximum=10_000)  # fmt: skip
TASKPULSE_EDI_MAX_FILE_BYTES = env.integer(
    "TASKPULSE_EDI_MAX_FILE_BYTES", default=5 * 1024 * 1024, minimum=1
)
TASKPULSE_EDI_EXTENSIONS = env.items(
    "TASKPULSE_EDI_EXTENSIONS", default=["edi", "edifact", "edf", "inv", "txt", "dat"]
)
# One upload's files in all, and a user's stored copies (files not imported yet), at most
# this many bytes (else a 413); copies are deleted once read, or after the retention.
TASKPULSE_EDI_MAX_UPLOAD_BYTES = env.integer(
    "TASKPULSE_EDI_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024, minimum=1, maximum=2**40
)
TASKPULSE_EDI_USER_QUOTA_BYTES = env.integer(
    "TASKPULSE_EDI_USER_QUOTA_BYTES", default=500 * 1024 * 1024, minimum=1, maximum=2**50
)
TASKPULSE_EDI_UPLOAD_RETENTION_HOURS = env.integer(
    "TASKPULSE_EDI_UPLOAD_RETENTION_HOURS", default=24, minimum=1, maximum=24 * 365
)
# One import at a time per user ("user") or for everybody ("global").
TASKPULSE_EDI_LOCK_SCOPE = env.choice(
    "TASKPULSE_EDI_LOCK_SCOPE", default="user", choices=["user", "global"]
)
# The Celery queue of imports and their per-file tasks ("" is Celery's default queue).
TASKPULSE_EDI_QUEUE = env.text("TASKPULSE_EDI_QUEUE")
# The currency of invoices without a CUX segment.
TASKPULSE_EDI_DEFAULT_CURRENCY = env.text("TASKPULSE_EDI_DEFAULT_CURRENCY", default="EUR")
# Django refuses uploads of more files than this before any view sees them.
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, TASKPULSE_EDI_MAX_FILES + 1)

# --- Flower -----------------------------------------------------------------------------
FLOWER_URL = env.text("FLOWER_URL", default="http://127.0.0.1:5555").rstrip("/")
FLOWER_USER = env.text("FLOWER_USER", default="admin")
FLOWER_PASSWORD = env.text("FLOWER_PASSWORD")
# Total time one read from Flower may take (connect + answer); past it Flower counts as
# unavailable and the API falls back to Celery's own inspect.
FLOWER_TIMEOUT = env.number("FLOWER_TIMEOUT", default=1.5, minimum=0.1, maximum=30)
# Flower's answers are shared by every process for this long: any number of polls make at
# most one Flower call per key in that window.
FLOWER_CACHE_SECONDS = env.integer("FLOWER_CACHE_SECONDS", default=5, minimum=1, maximum=300)
# Admin actions wait for the worker's reply through Flower; the dashboard proxy's reads.
FLOWER_ACTION_TIMEOUT = env.number("FLOWER_ACTION_TIMEOUT", default=5.0, minimum=0.5)
FLOWER_PROXY_TIMEOUT = env.number("FLOWER_PROXY_TIMEOUT", default=30.0, minimum=1.0)
# Celery's own `inspect`, the fallback when Flower is down.
TASKPULSE_INSPECT_TIMEOUT = env.number(
    "TASKPULSE_INSPECT_TIMEOUT", default=1.0, minimum=0.1, maximum=10
)

# --- Django REST framework ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every view, the auth views included: JSON with bounded nesting and size (a 400/413).
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "config.api.metadata.Metadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TaskPulse API",
    "DESCRIPTION": "Tracked Celery executions, live progress, cancel, stats and notifications.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The errors every operation may answer, in config.api.errors' shape (after the enums).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.document_error_responses",
    ],
    # The docs pages load nothing from another origin: they work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "status" with their own choices; each enum gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "task_manager.models.ExecutionStatus",
        "DeploymentStatusEnum": "deploy.models.DeploymentStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "client_errors": {"()": "config.logging.ClientErrorsOnOneLine"},
        "redis_outages": {"()": "config.logging.RedisOutagesOnOneLine"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # uvicorn's own handlers print its records; the filter goes on the logger itself.
        "uvicorn.error": {"filters": ["client_errors"]},
        # Repeated while Redis is down (config.logging.RedisOutagesOnOneLine).
        "channels_redis.pubsub": {"filters": ["redis_outages"]},
        "celery.beat": {"filters": ["redis_outages"]},
    },
}
