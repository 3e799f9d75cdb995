"""Test support: real processes (Celery worker, daphne) against the test database."""
