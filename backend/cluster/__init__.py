"""The Celery cluster as TaskPulse sees it: workers and queues read through Flower (or Celery),
admin actions and their audit, health of the stack, and the /flower/ dashboard proxy."""
