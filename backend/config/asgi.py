"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Conditional polls of an execution that has not changed are answered in front of Django
(config.api.polls); every other request goes through it.
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
from task_manager.auth import TokenAuthMiddlewareStack, origin_validated  # noqa: E402
from task_manager.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ConditionalPolls(django_asgi_app),
        # The Origin HTTP's CSRF check would accept, else 4403 (task_manager.auth).
        "websocket": origin_validated(TokenAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
