from django.urls import path

from task_manager.api import auth, export, ops, views

templates = views.TemplateViewSet.as_view({"get": "list", "post": "create"})
template = views.TemplateViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
template_launch = views.TemplateViewSet.as_view({"post": "launch"})

urlpatterns = [
    path("auth/csrf/", auth.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    # --- task execution (API.md) ---
    path("tasks/executions/", views.ExecutionListView.as_view(), name="execution-list"),
    path("tasks/executions/export/", export.ExecutionExportView.as_view(), name="execution-export"),
    path("tasks/executions/counts/", views.ExecutionCountsView.as_view(), name="execution-counts"),
    path("tasks/executions/bulk/", views.ExecutionBulkView.as_view(), name="execution-bulk"),
    path(
        "tasks/executions/<int:pk>/children/",
        views.ExecutionChildrenView.as_view(),
        name="execution-children",
    ),
    path(
        "tasks/executions/<int:pk>/retry/",
        views.ExecutionRetryView.as_view(),
        name="execution-retry",
    ),
    path(
        "tasks/executions/<int:pk>/", views.ExecutionDetailView.as_view(), name="execution-detail"
    ),
    path(
        "tasks/executions/<int:pk>/logs/", views.ExecutionLogsView.as_view(), name="execution-logs"
    ),
    path("tasks/cancel/<int:pk>/", views.ExecutionCancelView.as_view(), name="execution-cancel"),
    path("tasks/user-tasks/", views.UserTasksView.as_view(), name="user-tasks"),
    path("tasks/stats/", views.StatsView.as_view(), name="execution-stats"),
    path("tasks/failures/", ops.FailuresView.as_view(), name="failure-list"),
    path("tasks/metrics/", ops.MetricsView.as_view(), name="execution-metrics"),
    path("tasks/templates/", templates, name="template-list"),
    path("tasks/templates/<int:pk>/", template, name="template-detail"),
    path("tasks/templates/<int:pk>/launch/", template_launch, name="template-launch"),
    path("tasks/notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path(
        "tasks/notifications/unread-count/",
        views.NotificationUnreadCountView.as_view(),
        name="notification-unread-count",
    ),
    path(
        "tasks/notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path(
        "tasks/notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
]
