"""End to end with a real Flower (started and stopped here), real workers with heartbeats, and
the real web server for the /flower/ proxy: the staff endpoints, admin actions, enrichment, and
the degraded answer when Flower dies."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from cluster import selectors
from cluster.cache import cache_delete
from cluster.flower.service import FlowerService
from cluster.flower_proxy import FLOWER_POLICY, source_hash
from cluster.models import AuditRecord
from task_manager import launching
from task_manager.models import TaskExecution
from task_manager.tests.factories import DEMO_TASK
from testing.live import LiveFlower, LiveServer, LiveWorker, process_env, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUEUE = "flower-e2e"


@pytest.fixture(scope="module")
def flower_worker(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveWorker]:
    """A worker with heartbeats (Flower calls a worker online from them) on its own queue."""
    with django_db_blocker.unblock():
        worker = LiveWorker(
            tmp_path_factory.mktemp("flower-worker") / "worker.log", name="watched",
            concurrency=2, queues=QUEUE, heartbeat=True,
        )  # fmt: skip
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def live_flower(
    flower_worker: LiveWorker,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveFlower]:
    with django_db_blocker.unblock():
        flower = LiveFlower(tmp_path_factory.mktemp("flower") / "flower.log")
    yield flower
    flower.stop()


def point_at(flower: LiveFlower, settings: Any) -> None:
    for name, value in flower.settings().items():
        setattr(settings, name, value)
    settings.FLOWER_CACHE_SECONDS = 1
    FlowerService.from_settings().forget()
    cache_delete(selectors.FALLBACK_CACHE_KEY)


@pytest.fixture
def flower(live_flower: LiveFlower, settings: Any) -> LiveFlower:
    point_at(live_flower, settings)
    return live_flower


@pytest.fixture
def sam() -> User:
    return User.objects.create_user("sam", password="sam-password-1", is_staff=True)


@pytest.fixture
def staff_api(sam: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(sam)
    return client


def worker_row(api: APIClient, name: str, *, refresh: bool = True) -> dict[str, Any] | None:
    body = api.get("/api/tasks/workers/", {"refresh": "true"} if refresh else {}).json()
    assert body["flower"] == "ok", body
    return next((row for row in body["workers"] if row["name"] == name), None)


def row_where(api: APIClient, name: str, check: Any, what: str) -> dict[str, Any]:
    def matching() -> dict[str, Any] | None:
        row = worker_row(api, name)
        return row if row is not None and check(row) else None

    return wait_until(matching, timeout=30, interval=0.5, what=what)


def streamed_body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def act(api: APIClient, worker: str, action: str, body: dict[str, Any]) -> Any:
    return api.post(f"/api/tasks/workers/{worker}/{action}/", body, format="json")


# --- reads -------------------------------------------------------------------------------------


def test_workers_appear_online_with_their_pool_size(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    def online() -> dict[str, Any] | None:
        row = worker_row(staff_api, flower_worker.name, refresh=False)
        # The load average arrives with the first heartbeat event, after "online".
        seen = row is not None and row["status"] == "online" and row["loadavg"] is not None
        return row if seen else None

    wait_until(online, timeout=30, interval=0.5, what="Flower to see the worker's heartbeats")
    row = worker_row(staff_api, flower_worker.name)

    assert row is not None
    assert row["pool"] == "celery.concurrency.prefork:TaskPool"
    assert (row["pool_size"], row["concurrency"]) == (2, 2)
    assert row["queues"] == [QUEUE]
    assert row["last_heartbeat"] is not None
    assert isinstance(row["loadavg"], list)
    assert isinstance(row["processed"], int)
    assert row["celery_version"]


def test_flower_info_reports_a_reachable_flower(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    worker_row(staff_api, flower_worker.name)  # an inspect, so Flower knows the queues

    body = staff_api.get("/api/tasks/flower-info/").json()

    assert (body["flower"], body["reachable"], body["source"]) == ("ok", True, "flower")
    assert body["version"] == "2.2.0"
    assert body["dashboard_url"] == "/flower/"
    assert body["totals"]["workers"] >= 1
    assert QUEUE in {queue["name"] for queue in body["queues"]}
    assert set(body["task_counts"]) >= {"SUCCESS", "FAILURE", "STARTED"}


def test_execution_detail_shows_flowers_view_of_the_task(
    flower: LiveFlower, flower_worker: LiveWorker, sam: User, staff_api: APIClient
) -> None:
    execution = launching.execution_launch(
        task=DEMO_TASK, user=sam, kwargs={"steps": 1, "step_seconds": 0}, options={"queue": QUEUE}
    )
    url = f"/api/tasks/executions/{execution.pk}/"

    def enriched() -> dict[str, Any] | None:
        body = staff_api.get(url, {"include": "flower"}).json()
        flower_view = body.get("flower")
        return body if flower_view and flower_view["state"] == "SUCCESS" else None

    body = wait_until(enriched, timeout=30, interval=0.5, what="Flower to see the task finish")

    assert body["status"] == TaskExecution.objects.get(pk=execution.pk).status == "SUCCESS"
    view = body["flower"]
    assert view["worker"] == flower_worker.name
    assert view["routing_key"] == QUEUE
    assert view["received"] is not None
    assert view["started"] is not None
    assert view["runtime"] >= 0


# --- actions -----------------------------------------------------------------------------------


def test_a_pool_grow_is_visible_afterwards_and_shrink_undoes_it(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    name = flower_worker.name
    before = row_where(staff_api, name, lambda row: row["pool_size"] == 2, "a pool of 2")

    grown = act(staff_api, name, "pool-grow", {"n": 1})
    after = row_where(staff_api, name, lambda row: row["pool_size"] == 3, "a pool of 3")
    shrunk = act(staff_api, name, "pool-shrink", {"n": 1})
    row_where(staff_api, name, lambda row: row["pool_size"] == 2, "the pool back at 2")

    assert grown.status_code == 200, grown.json()
    assert shrunk.status_code == 200, shrunk.json()
    assert before["concurrency"] == after["concurrency"] == 2  # the configured size stays
    records = list(AuditRecord.objects.order_by("id").values_list("action", "target", "ok"))
    assert records == [("pool-grow", name, True), ("pool-shrink", name, True)]


def test_consumers_are_added_and_cancelled(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    name = flower_worker.name

    added = act(staff_api, name, "add-consumer", {"queue": "flower-extra"})
    row_where(staff_api, name, lambda row: "flower-extra" in row["queues"], "the new queue")
    cancelled = act(staff_api, name, "cancel-consumer", {"queue": "flower-extra"})
    row_where(staff_api, name, lambda row: row["queues"] == [QUEUE], "the queue to go")

    assert added.status_code == cancelled.status_code == 200
    assert "flower-extra" in added.json()["detail"]


def test_task_limits_are_set_on_the_worker(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    base = f"/api/tasks/task-types/{DEMO_TASK}"
    worker = flower_worker.name

    rate = staff_api.post(
        f"{base}/rate-limit/", {"rate_limit": "100/m", "worker": worker}, format="json"
    )
    limits = staff_api.post(
        f"{base}/time-limit/", {"soft": 300, "hard": 600, "worker": worker}, format="json"
    )
    unlimited = staff_api.post(
        f"{base}/rate-limit/", {"rate_limit": "0", "worker": worker}, format="json"
    )

    assert rate.status_code == limits.status_code == unlimited.status_code == 200
    assert "rate limit set successfully" in rate.json()["detail"]
    assert "time limits set successfully" in limits.json()["detail"]
    assert AuditRecord.objects.filter(ok=True).count() == 3


def test_a_refused_action_is_audited_as_a_failure(
    flower: LiveFlower, flower_worker: LiveWorker, staff_api: APIClient
) -> None:
    response = act(staff_api, flower_worker.name, "autoscale", {"min": 1, "max": 3})

    assert response.status_code == 409
    record = AuditRecord.objects.get()
    assert (record.action, record.ok) == ("autoscale", False)
    assert "Autoscale not enabled" in record.error
    listed = staff_api.get("/api/tasks/audit/").json()["results"]
    assert [(row["action"], row["ok"]) for row in listed] == [("autoscale", False)]


def test_shutdown_stops_a_worker_that_started_after_flower(
    flower: LiveFlower, staff_api: APIClient, tmp_path: Path
) -> None:
    doomed = LiveWorker(
        tmp_path / "doomed.log", name="doomed", concurrency=1, queues="doomed-queue",
        heartbeat=True,
    )  # fmt: skip
    try:
        # Flower's inspector has not seen it: the service inspects it, then shuts it down.
        response = act(staff_api, doomed.name, "shutdown", {})
        wait_until(lambda: not doomed.alive(), timeout=30, what="the worker to exit")
    finally:
        doomed.stop()

    assert response.status_code == 200, response.json()
    assert AuditRecord.objects.get().ok is True


# --- the dashboard -------------------------------------------------------------------------------


def test_the_proxy_serves_flowers_dashboard_to_staff(
    flower: LiveFlower, flower_worker: LiveWorker, sam: User
) -> None:
    browser = Client()
    browser.force_login(sam)

    page = browser.get("/flower/")
    html = streamed_body(page)
    script = browser.get("/flower/static/js/flower.js")
    table = browser.get("/flower/workers?json=1")

    assert page.status_code == 200
    assert b"<title>Workers \xc2\xb7 Flower</title>" in html
    assert b'src="/flower/static/js/flower.js' in html  # --url_prefix=flower
    assert script.status_code == 200
    assert b"url_prefix" in streamed_body(script)
    assert table.status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""")


def test_the_proxys_policy_allows_every_inline_script_and_style_of_flowers_pages(
    flower: LiveFlower, flower_worker: LiveWorker
) -> None:
    """Flower's pages run under the proxy's Content-Security-Policy: each inline script and
    style attribute they have must be one the policy allows by hash (a new Flower version
    that adds one fails here, and in the browser suite)."""
    FlowerService.from_settings().snapshot(refresh=True)  # Flower pages only workers it inspected
    auth = (flower.user, flower.password)
    pages = ["/flower/", "/flower/tasks", "/flower/broker", f"/flower/worker/{flower_worker.name}"]
    scripts: set[str] = set()
    styles: set[str] = set()
    for page in pages:
        answer = requests.get(f"{flower.url}{page}", auth=auth, timeout=10)
        assert answer.status_code == 200, (page, answer.status_code)
        scripts.update(INLINE_SCRIPT.findall(answer.text))
        styles.update(a or b for a, b in STYLE_ATTRIBUTE.findall(answer.text))

    assert scripts, "the workers page's inline script was not found: is the pattern stale?"
    assert styles
    assert {source_hash(s) for s in scripts} <= set(FLOWER_POLICY["script-src"])
    assert {source_hash(s) for s in styles} <= set(FLOWER_POLICY["style-src-attr"])


@pytest.fixture(scope="module")
def flower_web(
    live_flower: LiveFlower,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("flower-web") / "web.log",
            env=process_env(**live_flower.settings()),
        )
    yield server
    server.stop()


def session_for(server: LiveServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{server.url}/api/auth/csrf/", timeout=5)
    login = session.post(
        f"{server.url}/api/auth/login/", json={"username": username, "password": password},
        headers={"X-CSRFToken": session.cookies["csrftoken"]}, timeout=5,
    )  # fmt: skip
    assert login.status_code == 200, login.text
    return session


def test_the_dashboard_streams_through_the_web_server_for_staff_only(
    flower: LiveFlower, flower_web: LiveServer, sam: User, flower_worker: LiveWorker
) -> None:
    User.objects.create_user("ana", password="ana-password-1")
    FlowerService.from_settings().snapshot(refresh=True)  # Flower acts on workers it inspected
    staff = session_for(flower_web, "sam", "sam-password-1")
    member = session_for(flower_web, "ana", "ana-password-1")

    with staff.get(f"{flower_web.url}/flower/", stream=True, timeout=10) as page:
        html = b"".join(page.iter_content(4096))
    refused = member.get(f"{flower_web.url}/flower/", timeout=5)
    anonymous = requests.get(f"{flower_web.url}/flower/", allow_redirects=False, timeout=5)
    grow = staff.post(
        f"{flower_web.url}/flower/api/worker/pool/grow/{flower_worker.name}?n=1",
        headers={"Origin": flower_web.url}, timeout=10,
    )  # fmt: skip
    staff.post(
        f"{flower_web.url}/flower/api/worker/pool/shrink/{flower_worker.name}?n=1",
        headers={"Origin": flower_web.url}, timeout=10,
    )  # fmt: skip

    assert page.status_code == 200
    assert b"Flower" in html
    assert b"/flower/static/" in html
    assert refused.status_code == 403
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=/flower/"
    assert grow.status_code == 200, grow.text
    assert grow.json() == {"message": f"Growing '{flower_worker.name}' worker's pool by 1"}


def test_flowers_credentials_are_in_its_environment_not_on_its_command_line(
    flower: LiveFlower,
) -> None:
    argv = " ".join(psutil.Process(flower.pid).cmdline())
    anonymous = requests.get(f"{flower.url}/flower/api/workers", timeout=5)
    signed_in = requests.get(
        f"{flower.url}/flower/api/workers", auth=(flower.user, flower.password), timeout=5
    )

    assert flower.password not in argv
    assert "--basic_auth" not in argv
    assert anonymous.status_code == 401  # FLOWER_BASIC_AUTH took effect
    assert signed_in.status_code == 200


def test_flowers_metrics_reach_only_staff_through_the_web_process(
    flower: LiveFlower, flower_web: LiveServer, sam: User
) -> None:
    """Flower exempts /metrics and /healthcheck from its own authentication (its docs, every
    2.x release; no option changes it): whoever reaches Flower's port reads them. So that
    port stays on loopback (make run) or the compose network, and through the web process
    the metrics are for staff only, like the rest of the dashboard."""
    User.objects.create_user("ana", password="ana-password-1")
    direct = requests.get(f"{flower.url}/flower/metrics", timeout=5)
    staff = session_for(flower_web, "sam", "sam-password-1").get(
        f"{flower_web.url}/flower/metrics", timeout=10
    )
    member = session_for(flower_web, "ana", "ana-password-1").get(
        f"{flower_web.url}/flower/metrics", timeout=5
    )
    anonymous = requests.get(f"{flower_web.url}/flower/metrics", allow_redirects=False, timeout=5)

    assert direct.status_code == 200, "Flower now protects /metrics: update README, Security"
    assert staff.status_code == 200
    assert "flower_" in staff.text
    assert member.status_code == 403
    assert "flower_" not in member.text
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=/flower/metrics"


# --- Flower dies ---------------------------------------------------------------------------------


def test_flower_killed_mid_test_gives_the_degraded_answer_from_celery(
    flower_worker: LiveWorker, staff_api: APIClient, settings: Any, tmp_path: Path
) -> None:
    doomed = LiveFlower(tmp_path / "doomed-flower.log")
    point_at(doomed, settings)
    try:
        before = staff_api.get("/api/tasks/workers/").json()
        doomed.kill_hard()
        time.sleep(settings.FLOWER_CACHE_SECONDS + 0.1)  # the cached answer expires
        started = time.monotonic()
        after = staff_api.get("/api/tasks/workers/")
        workers_seconds = time.monotonic() - started
        started = time.monotonic()
        info = staff_api.get("/api/tasks/flower-info/")
        info_seconds = time.monotonic() - started
    finally:
        doomed.stop()
    print(f"degraded answers: workers {workers_seconds:.2f}s, flower-info {info_seconds:.2f}s")

    assert before["flower"] == "ok"
    assert after.status_code == info.status_code == 200
    body = after.json()
    assert (body["flower"], body["source"]) == ("unavailable", "celery")
    row = next(row for row in body["workers"] if row["name"] == flower_worker.name)
    assert (row["status"], row["pool_size"], row["queues"]) == ("online", 2, [QUEUE])
    assert info.json()["reachable"] is False
    assert info.json()["totals"]["online"] >= 1
    # What bounds the degraded answer: Flower's budget, then Celery's own inspect.
    limit = settings.FLOWER_TIMEOUT + settings.TASKPULSE_INSPECT_TIMEOUT + selectors.INSPECT_GRACE
    assert limit < 3
