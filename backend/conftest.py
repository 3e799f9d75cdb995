"""Fixtures shared by every suite: users and API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from testing.redis_keys import delete_matching


@pytest.fixture(autouse=True)
def fresh_shared_state() -> None:
    """Redis is shared by every test and process of the run; each test starts without:
    - failed logins (django-axes), so that one test's wrong passwords lock no other;
    - cached Flower reads, keyed by Flower's URL: a test's fake Flower may get the port of
      an earlier test's, whose answers would still be cached for FLOWER_CACHE_SECONDS."""
    delete_matching("*axes-*", "*:flower:*")


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def other_user(db: None) -> User:
    return User.objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def staff_user(db: None) -> User:
    return User.objects.create_user("sam", password="sam-password-1", is_staff=True)


@pytest.fixture
def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, ending the sessions that threads of this process left open on the test
    database before it is dropped (testing.database)."""
    yield
    from testing.database import end_other_sessions

    with django_db_blocker.unblock():
        end_other_sessions()


# --- real processes for end-to-end tests ---------------------------------------------------


@pytest.fixture(scope="module")
def live_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process (prefork, 2 children) on the test database and Redis,
    for one module: it consumes the default queue, so it must not outlive the module that
    asked for it (a later test's queued task would start under it, before its cancel)."""
    from testing.live import LiveWorker

    with django_db_blocker.unblock():
        worker = LiveWorker(tmp_path_factory.mktemp("worker") / "worker.log", name="e2e")
    yield worker
    worker.stop()


@pytest.fixture
def live_worker(live_worker_process):
    """The module's worker; after each test, idle before the database is emptied: a task
    ends with writes after its end's commit (the metrics rollup), and a TRUNCATE that met
    them deadlocked on PostgreSQL."""
    yield live_worker_process
    live_worker_process.wait_idle()


@pytest.fixture(scope="module")
def live_db_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `manage.py db_worker` (Django's tasks framework, database backend) on the test
    database and Redis, for one module (as live_worker, for the same reason)."""
    from testing.live import LiveDbWorker

    with django_db_blocker.unblock():
        worker = LiveDbWorker(tmp_path_factory.mktemp("db_worker") / "db_worker.log",
                              worker_id="e2e-db-worker")  # fmt: skip
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def live_web(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real web server serving config.asgi on a free port, on the test database and Redis."""
    from testing.live import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer(tmp_path_factory.mktemp("web") / "web.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fuzz_web(django_db_setup, django_db_blocker, tmp_path_factory):
    """A web server for the fuzzers alone: its own log (to find tracebacks in), its own
    media folder, a fake Flower, and a Redis database of its own, so that the work it
    launches is never run by a test worker and is dropped at the end."""
    import redis

    from cluster.tests.fake_cluster import healthy
    from testing.fake_flower import Reply, fake_flower
    from testing.live import LiveServer, fuzz_redis_url

    folder = tmp_path_factory.mktemp("fuzz-web")
    redis_url = fuzz_redis_url()
    answer = Reply(body={"message": "done"})
    with fake_flower(healthy(), default=answer) as flower, django_db_blocker.unblock():
        server = LiveServer(
            folder / "web.log", REDIS_URL=redis_url, TASKPULSE_VAR_DIR=str(folder),
            FLOWER_URL=flower.url, FLOWER_USER="flower", FLOWER_PASSWORD="fuzz",
        )  # fmt: skip
        yield server
        server.stop()
    redis.Redis.from_url(redis_url).flushdb()
