"""Settings for the test suite: fast hashing, quiet logs, the same Redis and database rules."""

import os

from config.env import VAR_DIR
from testing.parallel import WORKER_VARIABLE, redis_database, with_redis_database, worker_number

# pytest -n: each test process on a Redis database of its own (testing.parallel), set before the
# settings derive the broker, cache and channel layer from REDIS_URL. The processes a test
# starts are given that REDIS_URL without the worker's name, so they keep it as it is.
if os.environ.get(WORKER_VARIABLE) and redis_database(os.environ.get("REDIS_URL", "")) is not None:
    os.environ["REDIS_URL"] = with_redis_database(os.environ["REDIS_URL"], worker_number())

from config.settings.base import *  # noqa: F403
from config.settings.base import CHANNEL_LAYERS, DATABASES, REDIS_URL

# Redis pub/sub ignores database numbers: the channel names carry the database instead.
if redis_database(REDIS_URL):
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-db{redis_database(REDIS_URL)}"

# Threads of the test process (the progress flusher) close their connections after each
# use, so that the test database can be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # One test database per run, so that two runs at once never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
WHITENOISE_AUTOREFRESH = True  # no scan of STATIC_ROOT, which tests never collect
# Deploy retries back off over tenths of a second here (live workers use these settings too).
TASKPULSE_DEPLOY_RETRY_BASE_SECONDS = 0.1
# Each end's metrics rollup written right after its commit: a test reads it at once, and no
# timer writes into the next test's database.
TASKPULSE_ROLLUP_FLUSH_SECONDS = 0.0
