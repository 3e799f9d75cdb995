"""monitoring/: the alert rules and the Grafana dashboard parse and query only exported names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from cluster.prometheus import exported_names

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
METRIC = re.compile(r"\b(?:celery|taskpulse)_[a-z_]+\b")
SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def family_of(sample: str) -> str:
    for suffix in SUFFIXES:
        if sample.endswith(suffix) and sample.removesuffix(suffix) in exported_names():
            return sample.removesuffix(suffix)
    return sample


def referenced(expr: str) -> set[str]:
    return {family_of(name) for name in METRIC.findall(expr)}


def test_alert_rules_parse_and_use_only_exported_names() -> None:
    rules = yaml.safe_load((MONITORING / "prometheus" / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in alerts} == {
        "TaskFailureRateHigh", "QueueBacklog", "WorkerDown", "ExecutionsStuck",
    }  # fmt: skip
    for rule in alerts:
        names = referenced(rule["expr"])
        assert names, rule["alert"]
        assert names <= exported_names(), (rule["alert"], names - exported_names())
        assert re.fullmatch(r"\d+[smh]", rule["for"])


def test_the_dashboard_queries_only_exported_names() -> None:
    dashboard = json.loads((MONITORING / "grafana" / "taskpulse-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    assert len(exprs) >= 10
    used = set().union(*(referenced(expr) for expr in exprs))
    assert used <= exported_names(), used - exported_names()
    assert {"celery_task_runtime", "celery_queue_length", "celery_worker_up"} <= used


def test_a_made_up_name_would_be_caught() -> None:
    assert referenced("rate(celery_task_exploded_total[5m])") - exported_names()
