"""Arguments in answers (redacted, capped), the traceback for staff, and named steps (#17)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from celery import shared_task
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deploy.steps import STEPS
from task_manager import steps
from task_manager.launching import execution_launch
from task_manager.lifecycle import execution_finish
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.payloads import status_event
from task_manager.signals import on_before_task_publish
from task_manager.tests.factories import make_execution
from task_manager.tracking import ProgressReporter, _ensure_execution, track_task

pytestmark = pytest.mark.django_db

S = ExecutionStatus
SECRET_KWARGS = {
    "host": "db1", "password": "hunter2", "API_TOKEN": "t0k",
    "nested": {"aws_secret_access_key": "xyz", "list": [{"sshKey": "k", "port": 22}]},
}  # fmt: skip
REDACTED_KWARGS = {
    "host": "db1", "password": "[redacted]", "API_TOKEN": "[redacted]",
    "nested": {
        "aws_secret_access_key": "[redacted]", "list": [{"sshKey": "[redacted]", "port": 22}],
    },
}  # fmt: skip


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(client: APIClient, execution: TaskExecution) -> dict[str, Any]:
    response = client.get(f"/api/tasks/executions/{execution.pk}/")
    assert response.status_code == 200
    return response.json()


# --- arguments -----------------------------------------------------------------------------


def test_the_detail_shows_the_arguments_with_secrets_redacted(api: APIClient, user: User) -> None:
    execution = make_execution(
        user=user, args=[1, {"token": "abc"}], kwargs=SECRET_KWARGS, params=SECRET_KWARGS
    )

    body = detail(api, execution)

    assert body["args"] == [1, {"token": "[redacted]"}]
    assert body["kwargs"] == REDACTED_KWARGS
    assert body["params"] == REDACTED_KWARGS
    assert body["arguments_truncated"] is False
    assert "hunter2" not in json.dumps(body)
    execution.refresh_from_db()
    assert execution.kwargs == SECRET_KWARGS  # kept whole: a retry sends them again


def test_the_list_and_the_websocket_redact_params(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, params=SECRET_KWARGS, kwargs=SECRET_KWARGS)

    row = api.get("/api/tasks/executions/").json()["results"][0]
    event = status_event(execution)

    assert row["params"] == event["execution"]["params"] == REDACTED_KWARGS
    assert "hunter2" not in json.dumps(row) + json.dumps(event)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_the_export_redacts_too(api: APIClient, user: User, kind: str) -> None:
    make_execution(user=user, params=SECRET_KWARGS, kwargs=SECRET_KWARGS, args=["a"])

    response: Any = api.get("/api/tasks/executions/export/", {"format": kind})
    text = b"".join(response.streaming_content).decode()

    assert response.status_code == 200
    assert "hunter2" not in text
    assert "xyz" not in text
    assert "[redacted]" in text
    if kind == "json":
        (row,) = json.loads(text)
        assert (row["kwargs"], row["params"], row["args"]) == (
            REDACTED_KWARGS,
            REDACTED_KWARGS,
            ["a"],
        )


def test_the_secret_words_are_a_setting(api: APIClient, user: User, settings: Any) -> None:
    settings.TASKPULSE_REDACT_KEYS = ["host"]
    execution = make_execution(user=user, kwargs={"host": "db1", "password": "shown"})

    assert detail(api, execution)["kwargs"] == {"host": "[redacted]", "password": "shown"}


def test_arguments_past_the_cap_are_answered_as_null(
    api: APIClient, user: User, settings: Any
) -> None:
    settings.TASKPULSE_ARGUMENTS_MAX_BYTES = 256
    execution = make_execution(user=user, args=["x" * 300], kwargs={"a": 1})

    body = detail(api, execution)

    assert (body["args"], body["kwargs"], body["arguments_truncated"]) == (None, None, True)


def test_every_launch_path_keeps_its_arguments(user: User) -> None:
    launched = execution_launch(task="task_manager.demo", user=user, args=[2], kwargs={"b": 1})
    on_before_task_publish(
        sender="task_manager.demo_plain", headers={"id": "sent-1"}, body=((4, 5), {}, {}),
        routing_key="celery",
    )  # fmt: skip
    request = SimpleNamespace(id="run-1", args=[1], kwargs={"step_seconds": 0})
    _ensure_execution(SimpleNamespace(name="task_manager.demo", request=request))  # type: ignore[arg-type]

    sent = TaskExecution.objects.get(task_id="sent-1")
    unsent = TaskExecution.objects.get(task_id="run-1")  # a tracked task sent untracked
    assert (launched.args, launched.kwargs) == ([2], {"b": 1})
    assert (sent.args, sent.kwargs) == ([4, 5], {})
    assert (unsent.args, unsent.kwargs) == ([1], {"step_seconds": 0})


def test_the_traceback_is_for_staff_others_get_the_one_line_error(
    api: APIClient, staff_user: User, user: User
) -> None:
    execution = make_execution(
        user=user, status=S.FAILURE, error="ValueError: no", traceback="Traceback...\nValueError"
    )

    mine = detail(api, execution)
    staff = detail(client_for(staff_user), execution)

    assert "traceback" not in mine
    assert mine["error"] == staff["error"] == "ValueError: no"
    assert staff["traceback"] == "Traceback...\nValueError"


# --- named steps ---------------------------------------------------------------------------


@shared_task(bind=True, name="task_manager.tests.named_steps")
@track_task("task_manager.tests.named_steps", module="demo", steps=["Fetch", "Transform", "Load"])
def named_steps_task(self: Any, *, progress: ProgressReporter) -> None:
    """Declared here for its @track_task(steps=...) only; never run."""


def run_steps(execution: TaskExecution, numbers: list[int], total: int = 3) -> None:
    progress = ProgressReporter(execution.pk, interval=0)
    for number in numbers:
        progress.step(number, total, f"Doing {number}")


def test_declared_steps_are_stored_at_launch_and_answered_named(api: APIClient, user: User) -> None:
    execution = execution_launch(task="task_manager.tests.named_steps", user=user)

    pending = detail(api, execution)["steps"]
    run_steps(execution, [1, 2])
    running = detail(api, execution)["steps"]

    assert [(s["index"], s["name"], s["status"]) for s in pending] == [
        (1, "Fetch", "pending"), (2, "Transform", "pending"), (3, "Load", "pending"),
    ]  # fmt: skip
    assert [s["status"] for s in running] == ["done", "running", "pending"]
    assert running[0]["started_at"]
    assert running[0]["finished_at"]
    assert running[1]["started_at"] == running[0]["finished_at"]
    assert running[1]["finished_at"] is None
    assert running[2]["started_at"] is None


@pytest.mark.parametrize(
    ("status", "statuses"),
    [
        (S.FAILURE, ["done", "failed", "skipped"]),
        (S.REVOKED, ["done", "cancelled", "skipped"]),
        (S.SUCCESS, ["done", "done", "done"]),
    ],
)
def test_the_step_an_execution_ended_in_says_how(
    api: APIClient, user: User, status: str, statuses: list[str]
) -> None:
    execution = execution_launch(task="task_manager.tests.named_steps", user=user)
    run_steps(execution, [1, 2])

    execution_finish(execution.task_id, status, error="boom")

    answered = detail(api, execution)["steps"]
    assert [s["status"] for s in answered] == statuses
    assert answered[1]["finished_at"] is not None  # it ended with the execution


def test_steps_without_declared_names_are_named_by_their_message(
    api: APIClient, user: User
) -> None:
    execution = make_execution(user=user, status=S.STARTED)
    run_steps(execution, [1, 2], total=4)

    answered = detail(api, execution)["steps"]

    assert [s["name"] for s in answered] == ["Doing 1", "Doing 2", "Step 3", "Step 4"]


def test_progress_plan_names_the_steps_at_run_time(api: APIClient, user: User) -> None:
    execution = make_execution(user=user, status=S.STARTED)
    progress = ProgressReporter(execution.pk, interval=0)

    progress.plan(["Download", "Unpack"])
    progress.step(1, 2)

    answered = detail(api, execution)["steps"]
    assert [(s["name"], s["status"]) for s in answered] == [
        ("Download", "running"), ("Unpack", "pending"),
    ]  # fmt: skip


def test_a_coalesced_report_keeps_each_steps_own_time(user: User) -> None:
    execution = make_execution(user=user, status=S.STARTED)
    progress = ProgressReporter(execution.pk, interval=60)  # nothing written until flush
    progress.step(1, 3)
    progress.step(2, 3)
    progress.step(3, 3)

    progress.flush()

    execution.refresh_from_db()
    first, second, third = execution.steps
    assert first["started_at"] <= second["started_at"] <= third["started_at"]
    assert first["finished_at"] == second["started_at"]
    assert third["finished_at"] is None


def test_deploy_and_edi_declare_their_steps(user: User) -> None:
    deploy = execution_launch(task="deploy.deploy_vm", user=user, kwargs={"history_id": 0})
    edi = execution_launch(task="edi.import_files", user=user, kwargs={"import_id": 0})

    assert [s["name"] for s in deploy.steps] == [step.title for step in STEPS]
    assert [s["name"] for s in edi.steps] == ["Launch the file tasks", "Import the files"]


def test_steps_are_bounded(user: User) -> None:
    execution = make_execution(user=user, status=S.PROGRESS, total_steps=10**9, current_step=2)

    assert len(steps.steps_data(execution)) == steps.MAX_STEPS


def test_items_not_steps_move_the_bar_once_counted(user: User) -> None:
    execution = make_execution(user=user, status=S.STARTED)
    progress = ProgressReporter(execution.pk, interval=0)
    progress.step(1, 2)
    progress.items(total=10, processed=1)

    progress.step(2, 2)

    execution.refresh_from_db()
    assert (execution.current_step, execution.progress) == (2, 10.0)
