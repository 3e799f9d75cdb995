"""Production settings: no default secret, secure cookies, DEBUG off unless asked.

Behind TLS, `python manage.py check --deploy` is clean once the operator turns on the
redirect and HSTS (README, "Security"): SECURE_SSL_REDIRECT=true, SECURE_HSTS_SECONDS=31536000,
SECURE_HSTS_INCLUDE_SUBDOMAINS=true, SECURE_HSTS_PRELOAD=true. They are off by default so that
the compose stack still answers on http://localhost; HSTS cannot be taken back from browsers
that saw it, so it is never on by surprise.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = env.text("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY: required by the production settings, and unset")

SESSION_COOKIE_SECURE = env.flag("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The TLS-terminating proxy's header that says the browser used https: trust it only behind
# a proxy that sets it itself ("off" when nothing terminates TLS in front of the web process).
_proxy_ssl_header = env.text("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto")
SECURE_PROXY_SSL_HEADER = (
    None
    if _proxy_ssl_header.lower() == "off"
    else ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
)
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": MEDIA_STORAGE,  # noqa: F405 - from the environment, as in base
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
