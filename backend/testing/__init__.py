"""Test support: real processes (Celery worker, web server) on the test database, WS clients."""
