"""ASGI entry point: HTTP through Django, WebSockets through Channels.

GETs of an execution are answered on one long-lived thread (config.api.polls): a 304 in
front of Django, else Django's own answer; every other request goes through Django's ASGI
handler.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Read by the settings: the web process pools its database connections (config.env).
os.environ.setdefault("TASKPULSE_WEB_PROCESS", "true")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.api.polls import ConditionalPolls  # noqa: E402
from task_manager.auth import authenticated_websockets  # noqa: E402
from task_manager.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ConditionalPolls(django_asgi_app),
        # The Origin HTTP's CSRF check would accept, else 4403; then the session's or the
        # token's user (task_manager.auth).
        "websocket": authenticated_websockets(URLRouter(websocket_urlpatterns)),
    }
)
