"""Settings for the test suite: fast hashing, quiet logs, the same Redis and database rules."""

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
WHITENOISE_AUTOREFRESH = True  # no scan of STATIC_ROOT, which tests never collect
