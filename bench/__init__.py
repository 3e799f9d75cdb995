"""`make bench`: TaskPulse against celery-progress on one Redis, one worker, one web process."""
