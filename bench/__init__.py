"""`make bench`: TaskPulse against celery-progress on one Redis, one worker and one daphne."""
