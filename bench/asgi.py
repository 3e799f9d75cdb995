"""TaskPulse's ASGI app, plus celery-progress's consumer at ws/progress/<task_id>/.

celery-progress is wired as its README says (AuthMiddlewareStack around its URL router),
on its own channel layer alias (see config.settings.bench).
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

from celery_progress.websockets.consumers import ProgressConsumer
from celery_progress.websockets.routing import urlpatterns as peer_urlpatterns
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.conf import settings

from config.asgi import application as taskpulse

ProgressConsumer.channel_layer_alias = settings.PEER_CHANNEL_LAYER
peer = AuthMiddlewareStack(URLRouter(peer_urlpatterns))


async def application(scope: dict[str, Any], receive: Any, send: Any) -> Any:
    if scope["type"] == "websocket" and scope["path"].startswith("/ws/progress/"):
        return await peer(scope, receive, send)
    return await taskpulse(scope, receive, send)
