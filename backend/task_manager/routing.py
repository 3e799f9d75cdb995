from django.urls import path

from task_manager.consumers import TaskEventsConsumer

websocket_urlpatterns = [path("ws/tasks/", TaskEventsConsumer.as_asgi())]
