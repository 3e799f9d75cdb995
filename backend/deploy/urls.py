"""Seed-shaped URLs kept for scripts written against the first deploy module."""

from django.urls import path

from deploy.api.views import TaskProgressView

urlpatterns = [
    path(
        "ajax/task-progress/<str:task_id>/",
        TaskProgressView.as_view(),
        name="deploy-task-progress",
    ),
]
