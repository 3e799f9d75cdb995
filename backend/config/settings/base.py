"""Settings shared by every TaskPulse process; values come from the environment via Env."""

from __future__ import annotations

from config.env import REPO_DIR, VAR_DIR, Env, embedded_redis_url

env = Env()

DEBUG = env.flag("DEBUG", default=False)
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS", default=[])
WEB_PORT = env.port("WEB_PORT", default=8000)


# Each settings module decides what happens without SECRET_KEY (see local and production).
SECRET_KEY = env.text("SECRET_KEY")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "task_manager",
    "deploy",
    "edi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"


def vite_asset_is_immutable(path: str, url: str) -> bool:
    """Vite puts a content hash in every file name under /assets/."""
    return url.startswith("/assets/")


WHITENOISE_IMMUTABLE_FILE_TEST = vite_asset_is_immutable

# --- Redis: broker, result backend and channel layer -------------------------------------
REDIS_URL = env.redis_url(default=embedded_redis_url() or "redis://127.0.0.1:6379/0")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30},
    },
}

# Shared by every process (rate limits, the Flower cache): Redis, not process memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "taskpulse",
    },
}

# --- Celery (read by config.celery with namespace CELERY) ---------------------------------
TASKPULSE_LONGEST_TASK_SECONDS = env.integer(
    "TASKPULSE_LONGEST_TASK_SECONDS", default=3600, minimum=1
)
# Redis redelivers an unacknowledged message after the visibility timeout; it must be
# longer than the longest task or a running task would be started a second time.
_visibility_timeout = TASKPULSE_LONGEST_TASK_SECONDS * 2

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _visibility_timeout}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": _visibility_timeout}
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
CELERY_BEAT_SCHEDULE = {
    "taskpulse-recovery": {"task": "task_manager.recover_executions", "schedule": 60.0},
    "taskpulse-retention": {"task": "task_manager.purge_old_executions", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- TaskPulse ------------------------------------------------------------------------------
# Cancel: how long a running task gets to honour a cancel before staff may terminate it.
TASKPULSE_CANCEL_GRACE_SECONDS = env.integer("TASKPULSE_CANCEL_GRACE_SECONDS", default=30)
# Progress reports are written and pushed at most once per interval per execution.
TASKPULSE_PROGRESS_INTERVAL_MS = env.integer("TASKPULSE_PROGRESS_INTERVAL_MS", default=100)
# Recovery (defaults; a template can override the PENDING thresholds).
TASKPULSE_PENDING_REQUEUE_AFTER = env.integer("TASKPULSE_PENDING_REQUEUE_AFTER", default=120)
TASKPULSE_PENDING_TIMEOUT = env.integer("TASKPULSE_PENDING_TIMEOUT", default=3600)
TASKPULSE_WORKER_LOST_AFTER = env.integer("TASKPULSE_WORKER_LOST_AFTER", default=60)
TASKPULSE_MAX_REQUEUES = env.integer("TASKPULSE_MAX_REQUEUES", default=3)
TASKPULSE_RETENTION_DAYS = env.integer("TASKPULSE_RETENTION_DAYS", default=30, minimum=1)

# --- Flower -----------------------------------------------------------------------------
FLOWER_URL = env.text("FLOWER_URL", default="http://127.0.0.1:5555").rstrip("/")
FLOWER_USER = env.text("FLOWER_USER", default="admin")
FLOWER_PASSWORD = env.text("FLOWER_PASSWORD")

# --- Django REST framework ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TaskPulse API",
    "DESCRIPTION": "Tracked Celery executions, live progress, cancel, stats and notifications.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
