"""The project: settings, URLs, ASGI and Celery apps, and the API plumbing every app shares."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
