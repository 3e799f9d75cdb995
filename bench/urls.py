"""TaskPulse's URLs plus celery-progress's polling view, for the bench only."""

from django.urls import include, path

from config.urls import urlpatterns as taskpulse_urlpatterns

urlpatterns = [
    path("celery-progress/", include("celery_progress.urls")),
    *taskpulse_urlpatterns,
]
