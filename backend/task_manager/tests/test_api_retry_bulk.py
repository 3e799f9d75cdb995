"""Retry with the same arguments, and bulk actions (#17): the API and the bulk job's work."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from cluster.models import AuditRecord
from deploy.models import DeploymentHistory
from deploy.services import deployment_create
from task_manager import bulk
from task_manager.launching import execution_launch
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.tests.factories import make_execution, make_template
from task_manager.tracking import ProgressReporter, TaskCancelled

pytestmark = pytest.mark.django_db

S = ExecutionStatus
BULK = "/api/tasks/executions/bulk/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def retry_url(execution: TaskExecution) -> str:
    return f"/api/tasks/executions/{execution.pk}/retry/"


def failed_launch(user: User, **kwargs: Any) -> TaskExecution:
    """A plain launch of the demo task, failed."""
    execution = execution_launch(
        task="task_manager.demo", user=user, args=[3], kwargs=kwargs, options={"queue": "q1"}
    )
    TaskExecution.objects.filter(pk=execution.pk).update(status=S.FAILURE, error="boom")
    execution.refresh_from_db()
    return execution


# --- retry ---------------------------------------------------------------------------------


def test_retry_sends_the_task_again_with_the_same_arguments(api: APIClient, user: User) -> None:
    original = failed_launch(user, step_seconds=0.5, fail_at_step=2)
    seq = original.seq

    response = api.post(retry_url(original))

    assert response.status_code == 201, response.content
    body = response.json()
    retry = TaskExecution.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/tasks/executions/{retry.pk}/")
    assert body["retry_of"] == original.pk
    assert (retry.task_name, retry.args, retry.kwargs, retry.queue) == (
        "task_manager.demo", [3], {"step_seconds": 0.5, "fail_at_step": 2}, "q1",
    )  # fmt: skip
    assert (retry.user, retry.status, retry.retry_of_id) == (user, S.PENDING, original.pk)
    detail = api.get(f"/api/tasks/executions/{original.pk}/").json()
    assert detail["retries"] == [retry.pk]
    assert detail["seq"] == seq + 1  # a new ETag: the detail changed


def test_a_template_launch_is_launched_again_from_its_template(api: APIClient, user: User) -> None:
    template = make_template()
    original = make_execution(
        user=user, status=S.REVOKED, template=template, params={"steps": 4, "step_seconds": 0.1},
        task_name="task_manager.demo", kwargs={"steps": 4, "step_seconds": 0.1},
    )  # fmt: skip

    body = api.post(retry_url(original)).json()

    retry = TaskExecution.objects.get(pk=body["id"])
    assert (retry.template, retry.params, retry.kwargs) == (
        template, {"steps": 4, "step_seconds": 0.1}, {"steps": 4, "step_seconds": 0.1},
    )  # fmt: skip


def test_a_disabled_templates_launch_is_not_retried(api: APIClient, user: User) -> None:
    template = make_template(enabled=False)
    original = make_execution(user=user, status=S.FAILURE, template=template, params={})

    response = api.post(retry_url(original))

    assert response.status_code == 409
    assert "disabled" in response.json()["detail"]


def test_a_deployment_retries_as_a_new_deployment(api: APIClient, user: User) -> None:
    params = {
        "hostname": "web-01", "vcenter_host": "vc.example.com", "datacenter": "DC1",
        "template": "ubuntu-22.04", "network": "VM Network", "cpu": 2, "memory_gb": 4,
        "disk_gb": 40,
    }  # fmt: skip
    history = deployment_create(user=user, params=params)
    assert history.execution is not None
    TaskExecution.objects.filter(pk=history.execution.pk).update(status=S.FAILURE)

    response = api.post(retry_url(history.execution))

    assert response.status_code == 201, response.content
    retry = TaskExecution.objects.get(pk=response.json()["id"])
    again = DeploymentHistory.objects.get(execution=retry)
    assert again.pk != history.pk
    assert (again.hostname, again.cpu, again.user) == ("web-01", 2, user)
    assert retry.kwargs == {"history_id": again.pk}
    assert retry.retry_of_id == history.execution_id


def test_an_edi_import_is_not_retried_and_says_why(api: APIClient, user: User) -> None:
    original = make_execution(user=user, status=S.FAILURE, task_name="edi.import_files")

    listed = api.get(f"/api/tasks/executions/{original.pk}/").json()
    response = api.post(retry_url(original))

    assert listed["can_retry"] is False
    assert response.status_code == 409
    assert "Upload the files again" in response.json()["detail"]


@pytest.mark.parametrize(
    ("status", "can_retry"),
    [(S.FAILURE, True), (S.REVOKED, True), (S.SUCCESS, False), (S.PROGRESS, False)],
)
def test_can_retry_says_whether_a_retry_would_be_taken(
    api: APIClient, user: User, status: str, can_retry: bool
) -> None:
    execution = make_execution(user=user, status=status)

    listed = api.get("/api/tasks/executions/").json()["results"]
    detail = api.get(f"/api/tasks/executions/{execution.pk}/").json()

    assert [row["can_retry"] for row in listed] == [can_retry]
    assert detail["can_retry"] is can_retry


@pytest.mark.parametrize("status", [S.PENDING, S.PROGRESS, S.RETRY, S.SUCCESS])
def test_only_a_failed_or_cancelled_execution_is_retried(
    api: APIClient, user: User, status: str
) -> None:
    execution = make_execution(user=user, status=status)

    response = api.post(retry_url(execution))

    assert response.status_code == 409
    assert not TaskExecution.objects.filter(retry_of=execution).exists()


def test_another_users_execution_is_a_404_to_retry(api: APIClient, other_user: User) -> None:
    theirs = failed_launch(other_user)

    assert api.post(retry_url(theirs)).status_code == 404
    assert not TaskExecution.objects.filter(retry_of=theirs).exists()


def test_staff_retry_someones_execution_for_them(staff_user: User, user: User) -> None:
    original = failed_launch(user)

    body = client_for(staff_user).post(retry_url(original)).json()

    assert TaskExecution.objects.get(pk=body["id"]).user == user


# --- bulk: the request ---------------------------------------------------------------------


def test_bulk_by_ids_launches_a_job_of_the_visible_ones(
    api: APIClient, user: User, other_user: User
) -> None:
    mine = [make_execution(user=user, status=S.PENDING) for _ in range(3)]
    theirs = make_execution(user=other_user, status=S.PENDING)

    response = api.post(
        BULK, {"action": "cancel", "ids": [e.pk for e in mine] + [theirs.pk]}, format="json"
    )

    assert response.status_code == 202, response.content
    job = TaskExecution.objects.get(pk=response.json()["id"])
    assert response.json()["total_items"] == 3
    assert (job.task_name, job.user, job.module) == (bulk.BULK_TASK, user, "bulk")
    assert job.kwargs == {"action": "cancel", "ids": sorted(e.pk for e in mine)}
    assert job.title == "Cancel 3 executions"


def test_bulk_by_filter_resolves_the_lists_filters_within_what_the_user_sees(
    api: APIClient, user: User, other_user: User
) -> None:
    failed = [make_execution(user=user, status=S.FAILURE, module="deploy") for _ in range(2)]
    make_execution(user=user, status=S.FAILURE, module="edi")
    make_execution(user=user, status=S.SUCCESS, module="deploy")
    make_execution(user=other_user, status=S.FAILURE, module="deploy")

    response = api.post(
        BULK,
        {"action": "retry", "filter": {"status": ["FAILURE"], "module": "deploy", "page": "2",
                                        "user": str(other_user.pk)}},
        format="json",
    )  # fmt: skip

    assert response.status_code == 202, response.content
    job = TaskExecution.objects.get(pk=response.json()["id"])
    assert job.kwargs["ids"] == [e.pk for e in failed]  # `user` ignored for non-staff


def test_every_bulk_action_is_audited(staff_user: User, user: User) -> None:
    rows = [make_execution(user=user, status=S.SUCCESS) for _ in range(2)]
    staff = client_for(staff_user)

    by_ids = staff.post(BULK, {"action": "delete", "ids": [r.pk for r in rows]}, format="json")
    by_filter = staff.post(BULK, {"action": "cancel", "filter": {"active": True}}, format="json")

    records = list(AuditRecord.objects.order_by("pk"))
    assert [(r.username, r.action, r.ok) for r in records] == [
        ("sam", "executions.bulk-delete", True),
        ("sam", "executions.bulk-cancel", True),
    ]
    assert records[0].params == {"ids": [r.pk for r in rows], "count": 2}
    assert records[0].target == f"execution {by_ids.json()['id']}"
    # The delete's own job is queued: it matches.
    assert records[1].params == {"filter": {"active": True}, "count": 1}
    assert records[1].target == f"execution {by_filter.json()['id']}"


def test_bulk_delete_is_for_staff_only(api: APIClient, user: User) -> None:
    row = make_execution(user=user, status=S.SUCCESS)

    response = api.post(BULK, {"action": "delete", "ids": [row.pk]}, format="json")

    assert response.status_code == 403
    assert not TaskExecution.objects.filter(task_name=bulk.BULK_TASK).exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "cancel"}, "non_field_errors"),
        ({"action": "cancel", "ids": [1], "filter": {}}, "non_field_errors"),
        ({"action": "explode", "ids": [1]}, "action"),
        ({"action": "cancel", "ids": []}, "ids"),
        ({"action": "cancel", "ids": ["x"]}, "ids"),
        ({"action": "cancel", "ids": [1], "everything": True}, "everything"),
        ({"action": "cancel", "filter": {"statsu": "FAILURE"}}, "filter"),
        ({"action": "cancel", "filter": {"status": "NOPE"}}, "filter"),
        ({"action": "cancel", "filter": "status=FAILURE"}, "filter"),
    ],
)
def test_a_bad_bulk_body_is_a_400_naming_the_field(
    api: APIClient, body: dict[str, Any], field: str
) -> None:
    response = api.post(BULK, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not TaskExecution.objects.filter(task_name=bulk.BULK_TASK).exists()


def test_a_filter_matching_more_than_the_limit_is_refused(
    api: APIClient, user: User, settings: Any
) -> None:
    settings.TASKPULSE_BULK_MAX = 2
    for _ in range(3):
        make_execution(user=user, status=S.FAILURE)

    response = api.post(BULK, {"action": "retry", "filter": {"status": "FAILURE"}}, format="json")

    assert response.status_code == 400
    assert "more than 2" in response.json()["errors"]["filter"][0]


# --- bulk: the job's work ------------------------------------------------------------------


def run_job(job: TaskExecution) -> dict[str, Any]:
    """The bulk task's body, in this process, with a reporter that writes at once."""
    progress = ProgressReporter(job.pk, interval=0)
    owner = job.user_id
    result = bulk.executions_bulk_run(
        action=job.kwargs["action"], ids=job.kwargs["ids"], user_id=owner, progress=progress
    )
    progress.flush()
    job.refresh_from_db()
    return result


def log_messages(job: TaskExecution) -> list[str]:
    return list(job.log_lines.order_by("seq").values_list("message", flat=True))


def test_a_bulk_cancel_counts_what_it_cancelled_and_names_each_failure(
    api: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("task_manager.launching.celery_app.control.revoke", lambda *a, **k: None)
    queued = [make_execution(user=user, status=S.PENDING) for _ in range(2)]
    done = make_execution(user=user, status=S.SUCCESS, name="demo.done")
    body = api.post(BULK, {"action": "cancel", "ids": [e.pk for e in [*queued, done]]},
                    format="json").json()  # fmt: skip
    job = TaskExecution.objects.get(pk=body["id"])

    result = run_job(job)

    assert result == {"action": "cancel", "total": 3, "done": 2, "failed": 1}
    assert {e.status for e in TaskExecution.objects.filter(pk__in=[q.pk for q in queued])} == {
        S.REVOKED
    }
    assert (job.total_items, job.processed_items, job.failed_items) == (3, 2, 1)
    assert log_messages(job) == [f"#{done.pk} demo.done: already SUCCESS"]


def test_the_job_acts_only_on_what_its_owner_still_sees(user: User, other_user: User) -> None:
    theirs = make_execution(user=other_user, status=S.FAILURE)
    mine = make_execution(user=user, status=S.FAILURE)
    job = make_execution(
        user=user, status=S.STARTED, task_name=bulk.BULK_TASK,
        kwargs={"action": "retry", "ids": [theirs.pk, mine.pk]},
    )  # fmt: skip

    result = run_job(job)

    assert result["total"] == 1
    assert TaskExecution.objects.filter(retry_of=mine).count() == 1
    assert not TaskExecution.objects.filter(retry_of=theirs).exists()


def test_a_bulk_delete_keeps_running_work_and_recounts_parents(
    staff_user: User, user: User
) -> None:
    parent = make_execution(user=user, status=S.PROGRESS)
    finished_child = execution_launch(task="task_manager.demo_child", user=user, parent=parent)
    TaskExecution.objects.filter(pk=finished_child.pk).update(status=S.FAILURE)
    TaskExecution.objects.filter(pk=parent.pk).update(children_failed=1)
    running = make_execution(user=user, status=S.PROGRESS, name="demo.running")
    job = make_execution(
        user=staff_user, status=S.STARTED, task_name=bulk.BULK_TASK,
        kwargs={"action": "delete", "ids": [finished_child.pk, running.pk]},
    )  # fmt: skip

    result = run_job(job)

    assert (result["done"], result["failed"]) == (1, 1)
    assert not TaskExecution.objects.filter(pk=finished_child.pk).exists()
    assert TaskExecution.objects.filter(pk=running.pk).exists()
    parent.refresh_from_db()
    assert (parent.children_count, parent.children_failed) == (0, 0)
    assert log_messages(job) == [f"#{running.pk} demo.running: still PROGRESS: cancel it first"]


def test_a_parent_with_running_children_is_not_deleted(staff_user: User, user: User) -> None:
    parent = make_execution(user=user, status=S.REVOKED, name="demo.parent")
    execution_launch(task="task_manager.demo_child", user=user, parent=parent)
    job = make_execution(
        user=staff_user, status=S.STARTED, task_name=bulk.BULK_TASK,
        kwargs={"action": "delete", "ids": [parent.pk]},
    )  # fmt: skip

    assert run_job(job)["failed"] == 1
    assert TaskExecution.objects.filter(pk=parent.pk).exists()
    assert log_messages(job) == [
        f"#{parent.pk} demo.parent: 1 of its children still run: cancel them first"
    ]


def test_a_bulk_job_stops_at_a_cancel(user: User) -> None:
    rows = [make_execution(user=user, status=S.FAILURE) for _ in range(3)]
    job = make_execution(
        user=user, status=S.STARTED, task_name=bulk.BULK_TASK,
        kwargs={"action": "retry", "ids": [r.pk for r in rows]},
    )  # fmt: skip
    TaskExecution.objects.filter(pk=job.pk).update(cancel_requested_at=job.created_at)

    with pytest.raises(TaskCancelled):
        run_job(job)

    assert not TaskExecution.objects.filter(retry_of__in=rows).exists()
