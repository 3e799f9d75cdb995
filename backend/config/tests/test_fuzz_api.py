"""The REST API fuzzed from its own OpenAPI schema by schemathesis, against a real server.

schemathesis (its command line, which runs every phase: the schema's examples, boundary
values of every parameter, random valid and invalid requests, and sequences that follow
the links between operations) sends requests generated from /api/schema/ as a user and as
staff, and checks every answer: no 5xx, a body that matches the schema, a status the
schema lists. Worker actions (shutdown, pool sizes, consumers) are never fuzzed. The web
server's own log must show no traceback.

TASKPULSE_FUZZ_EXAMPLES (default 4, cases per operation and phase) and TASKPULSE_FUZZ_SEED
(default 14) make longer or other runs: `TASKPULSE_FUZZ_EXAMPLES=100 make test-backend
PYTEST_ARGS="-k fuzz -s"`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from task_manager.models import ExecutionStatus
from task_manager.tests.factories import (
    make_execution,
    make_log_lines,
    make_notification,
    make_template,
)
from testing.live import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("TASKPULSE_FUZZ_EXAMPLES", "4"))
SEED = int(os.environ.get("TASKPULSE_FUZZ_SEED", "14"))
CHECKS = ["not_a_server_error", "response_schema_conformance", "status_code_conformance"]
NEVER_FUZZED = "/api/tasks/workers/{worker}/{action}/"  # stops or resizes real pools
CSRF = "fuzz" * 8  # a csrftoken cookie and header that match: the session views are fuzzed too


def seed(user: User) -> str:
    """Objects of `user` for the generated ids to find; the user's API token."""
    for status in (ExecutionStatus.PENDING, ExecutionStatus.PROGRESS, ExecutionStatus.FAILURE):
        make_log_lines(make_execution(user=user, status=status, error="boom"), 3)
    make_notification(user=user)
    make_template()
    return Token.objects.create(user=user).key


def schemathesis_run(server: LiveServer, token: str, folder: Path) -> tuple[dict[str, Any], str]:
    """Run schemathesis' command line against `server`; its JSON report and its output."""
    report = folder / "schemathesis.json"
    argv = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/api/schema/?format=json",
        "--url", server.url, "--checks", ",".join(CHECKS), "--exclude-path", NEVER_FUZZED,
        "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--generation-database", "none", "--no-color", "--request-timeout", "20",
        "-H", f"Authorization: Token {token}",
        "-H", f"Cookie: csrftoken={CSRF}", "-H", f"X-CSRFToken: {CSRF}",
        "--report", "json", "--report-json-path", str(report), "--report-dir", str(folder),
    ]  # fmt: skip
    run = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=folder)
    if not report.exists():
        raise AssertionError(f"schemathesis wrote no report:\n{run.stdout[-5000:]}{run.stderr}")
    return json.loads(report.read_text()), run.stdout


@pytest.mark.parametrize("who", ["user", "staff_user"])
def test_the_api_answers_whatever_its_schema_allows_to_send(
    request: pytest.FixtureRequest, fuzz_web: LiveServer, who: str, tmp_path: Path
) -> None:
    token = seed(request.getfixturevalue(who))
    log_start = len(fuzz_web.output())

    report, output = schemathesis_run(fuzz_web, token, tmp_path)

    cases = report["test_cases"]
    failures = {group["title"]: group["count"] for group in report["failures"]}
    server_errors = failures.get("Server error", 0)
    print(
        f"\nschemathesis as {who}: {report['operations']['tested']} operations, "
        f"{cases['generated']} cases, {server_errors} server errors, failures {failures}"
    )
    assert report["complete"], output[-5000:]
    assert report["operations"]["tested"] >= 35
    assert cases["generated"] >= 30 * EXAMPLES
    assert (failures, report["errors"]) == ({}, []), output[-20000:]
    log = fuzz_web.output()[log_start:]
    assert "Traceback" not in log, log[log.find("Traceback") - 300 :][:6000]
