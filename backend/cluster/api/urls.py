"""The cluster's routes, included at /api/ by config.urls (paths and names as in API.md)."""

from django.urls import path

from cluster.api import views

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("health/live/", views.LiveView.as_view(), name="health-live"),
    path("health/ready/", views.ReadyView.as_view(), name="health-ready"),
    path("tasks/workers/", views.WorkersView.as_view(), name="worker-list"),
    path(
        "tasks/workers/<str:worker>/<slug:action>/",
        views.WorkerActionView.as_view(),
        name="worker-action",
    ),
    path(
        "tasks/task-types/<str:task_name>/<slug:action>/",
        views.TaskActionView.as_view(),
        name="task-type-action",
    ),
    path("tasks/queues/", views.QueueListView.as_view(), name="queue-list"),
    path(
        "tasks/queues/<str:name>/<slug:action>/",
        views.QueueActionView.as_view(),
        name="queue-action",
    ),
    path("tasks/flower-info/", views.FlowerInfoView.as_view(), name="flower-info"),
    path("tasks/audit/", views.AuditListView.as_view(), name="audit-list"),
]
