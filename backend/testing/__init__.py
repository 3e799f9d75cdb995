"""Test support: real processes (Celery worker, web server) against the test database."""
