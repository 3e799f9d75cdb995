"""GET /metrics: off by default, token or allow-list, and parsed with prometheus_client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cluster.prometheus import exported_names
from task_manager import counters, rollups
from task_manager.models import ExecutionStatus as S
from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics_on(settings: Any, quick_fallback: None) -> Any:
    settings.TASKPULSE_METRICS = True
    settings.TASKPULSE_METRICS_TOKEN = ""
    settings.TASKPULSE_METRICS_ALLOW = ["127.0.0.0/8", "::1/128"]
    settings.FLOWER_URL = "http://127.0.0.1:9"  # unreachable: workers from Celery's inspect
    return settings


def finished(status: str, *, runtime: float, wait: float, worker: str = "w1@h", **fields: Any):
    now = timezone.now()
    execution = make_execution(
        status=status, name="demo.add", worker=worker, queue="celery",
        queued_at=now - timedelta(seconds=runtime + wait),
        started_at=now - timedelta(seconds=runtime), finished_at=now, **fields,
    )  # fmt: skip
    rollups.rollup_add(execution)
    return execution


def scrape(client: Client) -> dict[str, Any]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family for family in families}


def value(family: Any, sample_name: str, **labels: str) -> float:
    matches = [
        s.value
        for s in family.samples
        if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(matches) == 1, (sample_name, labels, family.samples)
    return matches[0]


def test_metrics_is_a_404_unless_enabled(settings: Any) -> None:
    settings.TASKPULSE_METRICS = False
    assert Client().get("/metrics").status_code == 404


def test_an_address_outside_the_allow_list_is_refused(metrics_on: Any) -> None:
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    metrics_on.TASKPULSE_METRICS_ALLOW = ["203.0.113.0/24"]
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 200


def test_with_a_token_only_the_bearer_gets_in(metrics_on: Any) -> None:
    metrics_on.TASKPULSE_METRICS_TOKEN = "s3cret-token"
    loopback = Client(REMOTE_ADDR="127.0.0.1")
    assert loopback.get("/metrics").status_code == 403  # the allow-list no longer lets in
    assert loopback.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert loopback.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_task_counters_and_histograms_parse_with_celery_exporter_names(metrics_on: Any) -> None:
    finished(S.SUCCESS, runtime=0.3, wait=0.02)
    finished(S.SUCCESS, runtime=4.0, wait=1.5, attempt=2)
    finished(S.FAILURE, runtime=0.05, wait=0.02, error="ValueError: boom")
    finished(S.REVOKED, runtime=1.0, wait=0.0, worker="w2@h")
    make_execution(status=S.STARTED, module="demo")
    families = scrape(Client(REMOTE_ADDR="127.0.0.1"))

    assert set(families) <= exported_names()
    labels = {"name": "demo.add", "hostname": "w1@h", "queue_name": "celery"}
    assert value(families["celery_task_succeeded"], "celery_task_succeeded_total", **labels) == 2
    assert value(families["celery_task_failed"], "celery_task_failed_total", **labels) == 1
    assert value(families["celery_task_retried"], "celery_task_retried_total", **labels) == 1
    assert value(families["celery_task_sent"], "celery_task_sent_total", **labels) == 3
    revoked = {**labels, "hostname": "w2@h"}
    assert value(families["celery_task_revoked"], "celery_task_revoked_total", **revoked) == 1
    runtime = families["celery_task_runtime"]
    assert value(runtime, "celery_task_runtime_count", **labels) == 3
    assert value(runtime, "celery_task_runtime_sum", **labels) == pytest.approx(4.35, abs=0.01)
    assert value(runtime, "celery_task_runtime_bucket", **labels, le="0.5") == 2
    assert value(runtime, "celery_task_runtime_bucket", **labels, le="5.0") == 3
    wait = families["celery_task_queue_wait_time"]
    assert value(wait, "celery_task_queue_wait_time_bucket", **labels, le="0.025") == 2
    assert value(families["taskpulse_executions"], "taskpulse_executions",
                 status="STARTED", module="demo") == 1  # fmt: skip


def test_shared_counters_are_summed_from_redis(metrics_on: Any) -> None:
    before = scrape(Client(REMOTE_ADDR="127.0.0.1"))
    published = value(before["taskpulse_events_published"], "taskpulse_events_published_total")
    requeued = value(before["taskpulse_recovery_actions"], "taskpulse_recovery_actions_total",
                     action="requeued")  # fmt: skip
    counters.counters.add("events_published", 3)
    counters.counters.add("recovery_actions:requeued")
    counters.counters.flush()
    after = scrape(Client(REMOTE_ADDR="127.0.0.1"))
    assert value(after["taskpulse_events_published"], "taskpulse_events_published_total") == (
        published + 3
    )
    assert value(after["taskpulse_recovery_actions"], "taskpulse_recovery_actions_total",
                 action="requeued") == requeued + 1  # fmt: skip
    assert "taskpulse_websocket_connections" in after
    assert "celery_queue_length" in after
