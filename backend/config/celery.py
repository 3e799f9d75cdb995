"""The Celery application: configured from Django settings (CELERY_* names)."""

import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Celery warns at every broker reconnect that running late-ack tasks will be cancelled by
# default in 6.0; TaskPulse keeps them running (worker_cancel_long_running_tasks_on_connection
# _loss=False, in the settings), so the 9-line warning says nothing new after the first time.
warnings.filterwarnings(
    "ignore", message=r"\s*In Celery 5.1 we introduced an optional breaking change",
    category=CPendingDeprecationWarning,
)  # fmt: skip

app = Celery("taskpulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
