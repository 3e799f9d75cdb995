"""The deploy API in-process: validation per field, visibility, the seed's progress shape,
the rate limit, and the "Deploy VM" template launching through the same rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from deploy import params as deploy_params
from deploy import services
from deploy.api.serializers import DeploymentCreateSerializer
from deploy.models import DeploymentHistory
from deploy.tests.conftest import SEED_MIGRATION, params
from task_manager import held_starts, lifecycle, rules
from task_manager.models import TaskExecution, TaskTemplate
from task_manager.payloads import execution_data

pytestmark = pytest.mark.django_db

DEPLOYMENTS = "/api/deploy/deployments/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def launch(api: APIClient, **fields: Any) -> Any:
    return api.post(DEPLOYMENTS, params(**fields), format="json")


# --- launching -------------------------------------------------------------------------------


def test_a_launch_answers_202_in_the_seed_shape_and_records_the_history(
    api: APIClient, user: User
) -> None:
    response = launch(api, hostname="db-01.lab.example", ip_address="192.0.2.20")

    assert response.status_code == 202
    history = DeploymentHistory.objects.get()
    execution = TaskExecution.objects.get()
    assert response.json() == {
        "success": True, "task_id": execution.task_id, "history_id": history.pk,
        "execution_id": execution.pk, "provider": "simulator", "message": "Deployment started",
    }  # fmt: skip
    assert response["Location"] == f"{DEPLOYMENTS}{history.pk}/"
    assert (history.user, history.hostname, history.cpu) == (user, "db-01.lab.example", 2)
    assert history.simulate == {"step_seconds": 0}


def test_ip_address_and_simulate_are_optional(api: APIClient) -> None:
    body = params()
    del body["simulate"]

    response = api.post(DEPLOYMENTS, body, format="json")

    assert response.status_code == 202
    history = DeploymentHistory.objects.get()
    assert (history.ip_address, history.simulate) == (None, {})


LONG_LABEL = "a" * 64


def test_a_simulated_step_is_at_most_a_minute(api: APIClient) -> None:
    response = launch(api, simulate={"step_seconds": 600})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "simulate": {"step_seconds": ["Ensure this value is less than or equal to 60."]}
    }
    assert launch(api, simulate={"step_seconds": 60}).status_code == 202


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"hostname": "-web"}, "hostname"),
        ({"hostname": "web-"}, "hostname"),
        ({"hostname": "web_01"}, "hostname"),
        ({"hostname": "web..lab"}, "hostname"),
        ({"hostname": f"{LONG_LABEL}.lab"}, "hostname"),
        ({"hostname": ".".join(["a" * 60] * 5)}, "hostname"),  # 304 characters
        ({"hostname": ""}, "hostname"),
        ({"hostname": " web"}, "hostname"),
        ({"hostname": 42}, "hostname"),
        ({"hostname": None}, "hostname"),
        ({"cpu": 0}, "cpu"),
        ({"cpu": 65}, "cpu"),
        ({"cpu": "four"}, "cpu"),
        ({"cpu": 2.5}, "cpu"),
        ({"cpu": True}, "cpu"),
        ({"memory_gb": 0}, "memory_gb"),
        ({"memory_gb": 1025}, "memory_gb"),
        ({"disk_gb": 0}, "disk_gb"),
        ({"disk_gb": 65537}, "disk_gb"),
        ({"disk_gb": 10**30}, "disk_gb"),
        ({"ip_address": "300.1.1.1"}, "ip_address"),
        ({"ip_address": "10.0.0"}, "ip_address"),
        ({"ip_address": "fe80::1::2"}, "ip_address"),
        ({"vcenter_host": "vcenter lab"}, "vcenter_host"),
        ({"vcenter_host": ""}, "vcenter_host"),
        ({"datacenter": ""}, "datacenter"),
        ({"datacenter": "   "}, "datacenter"),
        ({"datacenter": "x" * 81}, "datacenter"),
        ({"template": "bad\nname"}, "template"),
        ({"network": ["VM Network"]}, "network"),
        ({"simulate": {"fail_at_step": 0}}, "simulate"),
        ({"simulate": {"fail_at_step": 9}}, "simulate"),
        ({"simulate": {"transient_failures": -1}}, "simulate"),
        ({"simulate": {"transient_failures": 11}}, "simulate"),
        ({"simulate": {"slow_step": 12}}, "simulate"),
        ({"simulate": {"step_seconds": -0.1}}, "simulate"),
        ({"simulate": {"step_seconds": 61}}, "simulate"),
        ({"simulate": {"step_seconds": "fast"}}, "simulate"),
        ({"simulate": {"fail_at_stp": 5}}, "simulate"),
        ({"simulate": "fail"}, "simulate"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_params_are_400_per_field(api: APIClient, fields: dict[str, Any], field: str) -> None:
    response = launch(api, **fields)

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {field}
    assert body["detail"].startswith(f"{field}: ")
    assert not DeploymentHistory.objects.exists()
    assert not TaskExecution.objects.exists()


def test_every_bad_field_is_reported_at_once(api: APIClient) -> None:
    response = api.post(DEPLOYMENTS, {"hostname": "-x", "cpu": 99}, format="json")

    errors = response.json()["errors"]
    assert response.status_code == 400
    assert set(errors) == {"hostname", "cpu", "vcenter_host", "datacenter", "template",
                           "network", "memory_gb", "disk_gb"}  # fmt: skip
    assert errors["cpu"] == ["Ensure this value is less than or equal to 64."]
    assert errors["memory_gb"] == ["This field is required."]
    assert errors["hostname"][0].startswith("Not a valid hostname (RFC 1123)")


def test_simulate_errors_name_the_inner_field(api: APIClient) -> None:
    response = launch(api, simulate={"fail_at_step": 9, "colour": 1})

    assert response.json()["errors"] == {"simulate": {"colour": ["Unknown field."]}}
    response = launch(api, simulate={"fail_at_step": 9})
    assert response.json()["errors"] == {
        "simulate": {"fail_at_step": ["Ensure this value is less than or equal to 8."]}
    }


@pytest.mark.parametrize(
    "body", ['{"hostname": ', '{"cpu": 1e999}', '{"simulate": {"step_seconds": NaN}}', "[]"]
)
def test_malformed_bodies_are_400(api: APIClient, body: str) -> None:
    response = api.post(DEPLOYMENTS, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_valid_names_pass(api: APIClient) -> None:
    response = launch(
        api, hostname=f"{LONG_LABEL[:63]}.b-2.example", vcenter_host="192.0.2.1",
        datacenter="Paris DC / Room 2", ip_address="2001:db8::10", cpu=64, memory_gb=1024,
        disk_gb=65536,
        simulate={"fail_at_step": 8, "transient_failures": 10, "slow_step": 1, "step_seconds": 0},
    )  # fmt: skip

    assert response.status_code == 202, response.json()


def test_with_the_vsphere_provider_simulate_and_unlisted_vcenters_are_refused(
    api: APIClient, settings: Any
) -> None:
    settings.TASKPULSE_DEPLOY_PROVIDER = "vsphere"
    settings.TASKPULSE_VSPHERE_HOSTS = ["vcenter.lab.example"]

    refused = launch(api, vcenter_host="evil.example")
    accepted = launch(api, simulate={})

    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"vcenter_host", "simulate"}
    assert "needs the simulator" in refused.json()["errors"]["simulate"][0]
    assert accepted.status_code == 202
    assert DeploymentHistory.objects.get().provider == "vsphere"


def test_anonymous_callers_are_refused(anonymous_api: APIClient) -> None:
    assert anonymous_api.post(DEPLOYMENTS, params(), format="json").status_code in (401, 403)
    assert anonymous_api.get(DEPLOYMENTS).status_code in (401, 403)


# --- the schema says what the serializer says -------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {}, {"hostname": "-web"}, {"hostname": "a" * 64}, {"hostname": "web.lab.example"},
        {"cpu": 0}, {"cpu": 64}, {"cpu": 65}, {"memory_gb": 1024}, {"memory_gb": 1025},
        {"disk_gb": 65536}, {"disk_gb": 65537}, {"ip_address": ""}, {"ip_address": "10.1.2.3"},
        {"ip_address": "10.1.2"}, {"ip_address": "2001:db8::1"}, {"vcenter_host": "10.0.0.1"},
        {"vcenter_host": "v c"}, {"datacenter": " "}, {"datacenter": "x" * 81},
        {"template": "a\tb"}, {"simulate": {"fail_at_step": 8}}, {"simulate": {"slow_step": 0}},
        {"simulate": {"step_seconds": 0.5}}, {"simulate": {"step_seconds": 601}},
        {"simulate": {"x": 1}}, {"extra": 1},
    ],
)  # fmt: skip
def test_the_template_schema_accepts_exactly_what_the_serializer_accepts(
    fields: dict[str, Any],
) -> None:
    body = params(**fields)
    schema_ok = Draft202012Validator(
        deploy_params.params_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    ).is_valid(body)

    assert schema_ok == DeploymentCreateSerializer(data=body).is_valid()


# --- reading -------------------------------------------------------------------------------


def test_users_see_their_own_deployments_and_staff_see_all(
    user: User, other_user: User, staff_user: User
) -> None:
    mine = services.deployment_create(user=user, params=params(hostname="mine"))
    theirs = services.deployment_create(user=other_user, params=params(hostname="theirs"))
    api, staff = client_for(user), client_for(staff_user)

    listed = api.get(DEPLOYMENTS).json()
    detail = api.get(f"{DEPLOYMENTS}{mine.pk}/").json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert api.get(f"{DEPLOYMENTS}{theirs.pk}/").status_code == 404
    assert {row["id"] for row in staff.get(DEPLOYMENTS).json()["results"]} == {mine.pk, theirs.pk}
    assert staff.get(f"{DEPLOYMENTS}{theirs.pk}/").status_code == 200
    assert detail["provider"] == "simulator"
    assert detail["status"] == "pending"
    assert detail["params"]["hostname"] == "mine"
    assert detail["params"]["ip_address"] == ""
    assert detail["result"] is None
    assert detail["execution"] == execution_data(TaskExecution.objects.get(deployments=mine))


def test_the_list_filters_by_status_and_rejects_unknown_ones(api: APIClient, user: User) -> None:
    services.deployment_create(user=user, params=params())

    assert api.get(DEPLOYMENTS, {"status": "pending"}).json()["count"] == 1
    assert api.get(DEPLOYMENTS, {"status": "success"}).json()["count"] == 0
    assert api.get(DEPLOYMENTS, {"status": "exploded"}).status_code == 400


def test_the_list_costs_the_same_queries_for_1_or_20_deployments(
    api: APIClient, user: User, django_assert_max_num_queries
) -> None:
    for n in range(20):
        services.deployment_create(user=user, params=params(hostname=f"web-{n}"))

    with django_assert_max_num_queries(3):  # count, page (with user and execution)
        response = api.get(DEPLOYMENTS)
    assert len(response.json()["results"]) == 20


def test_the_info_endpoint_says_which_provider_runs(api: APIClient, settings: Any) -> None:
    settings.TASKPULSE_SIMULATOR_SPEED = 10

    info = api.get("/api/deploy/info/").json()

    assert info["provider"] == "simulator"
    assert info["simulator_speed"] == 10
    assert info["rate"] == "100/min"
    assert [step["title"] for step in info["steps"]][:2] == ["Connect to vCenter",
                                                             "Clone VM from template"]  # fmt: skip
    assert info["total_steps"] == 8


# --- seed 000's progress endpoint ------------------------------------------------------------


def progress_url(history: DeploymentHistory) -> str:
    return f"/deploy/ajax/task-progress/{history.celery_task_id}/"


def test_the_progress_endpoint_answers_in_the_seed_shape_from_the_execution(
    api: APIClient, user: User
) -> None:
    history = services.deployment_create(user=user, params=params())
    held_starts.execution_mark_started(history.celery_task_id, worker="w", attempt=1)
    assert history.execution_id is not None
    lifecycle.execution_apply(history.execution_id, rules.Change(
        current_step=3, total_steps=8, message="Configuring CPU, memory and disk..."
    ))  # fmt: skip

    body = api.get(progress_url(history)).json()

    assert body == {
        "task_id": history.celery_task_id, "state": "PROGRESS", "status": "running",
        "current_step": 3, "total_steps": 8, "percent": 25,
        "message": "Configuring CPU, memory and disk...", "history_id": history.pk,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "seed_status"),
    [("PENDING", "pending"), ("RETRY", "running"), ("SUCCESS", "success"),
     ("FAILURE", "failed"), ("REVOKED", "cancelled")],
)  # fmt: skip
def test_the_seed_status_words(api: APIClient, user: User, status: str, seed_status: str) -> None:
    history = services.deployment_create(user=user, params=params())
    TaskExecution.objects.filter(deployments=history).update(status=status, progress=37.5)

    body = api.get(progress_url(history)).json()

    assert (body["state"], body["status"], body["percent"]) == (status, seed_status, 37)


def test_the_progress_of_another_users_task_is_404_and_anonymous_is_refused(
    user: User, other_user: User, anonymous_api: APIClient
) -> None:
    history = services.deployment_create(user=user, params=params())

    assert client_for(other_user).get(progress_url(history)).status_code == 404
    assert client_for(user).get("/deploy/ajax/task-progress/no-such-task/").status_code == 404
    assert anonymous_api.get(progress_url(history)).status_code in (401, 403)


def test_the_progress_survives_the_execution_being_purged(api: APIClient, user: User) -> None:
    history = services.deployment_create(user=user, params=params())
    DeploymentHistory.objects.filter(pk=history.pk).update(status="success", last_step=8)
    TaskExecution.objects.all().delete()

    body = api.get(progress_url(history)).json()

    assert (body["state"], body["status"], body["percent"]) == ("SUCCESS", "success", 100)
    assert api.get(f"{DEPLOYMENTS}{history.pk}/").json()["execution"] is None


# --- rate limit ------------------------------------------------------------------------------


def test_the_default_limit_is_100_launches_a_minute_then_429_with_retry_after(
    api: APIClient, settings: Any
) -> None:
    assert settings.TASKPULSE_DEPLOY_RATE == "100/min"

    statuses = [launch(api, hostname=f"web-{n}").status_code for n in range(100)]
    refused = launch(api, hostname="web-100")

    assert statuses == [202] * 100
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert DeploymentHistory.objects.count() == 100


def test_the_limit_is_per_user_and_reads_are_not_counted(
    api: APIClient, other_user: User, settings: Any
) -> None:
    settings.TASKPULSE_DEPLOY_RATE = "2/min"

    assert [launch(api).status_code for _ in range(3)] == [202, 202, 429]
    assert api.get(DEPLOYMENTS).status_code == 200
    assert launch(client_for(other_user)).status_code == 202


# --- the "Deploy VM" template ----------------------------------------------------------------


def test_the_template_carries_seed_003s_recovery_thresholds(deploy_template: TaskTemplate) -> None:
    assert (deploy_template.module, deploy_template.task_name) == ("deploy", "deploy.deploy_vm")
    assert deploy_template.pending_requeue_after == 120
    assert deploy_template.pending_timeout == 3600
    assert deploy_template.max_retries == 3
    assert deploy_template.on_worker_lost == "requeue"
    assert deploy_template.params_schema == deploy_params.params_schema()
    Draft202012Validator.check_schema(deploy_template.params_schema)


def test_launching_the_template_creates_a_deployment(
    api: APIClient, user: User, deploy_template: TaskTemplate
) -> None:
    body = {k: v for k, v in params().items() if k not in deploy_params.DEFAULT_PARAMS}

    response = api.post(
        f"/api/tasks/templates/{deploy_template.pk}/launch/", {"params": body}, format="json"
    )

    assert response.status_code == 201
    history = DeploymentHistory.objects.get()
    assert response.json()["id"] == history.execution_id
    assert (history.cpu, history.memory_gb, history.disk_gb) == (2, 4, 40)  # the defaults
    assert history.execution is not None
    assert history.execution.template == deploy_template
    assert history.execution.kwargs == {"history_id": history.pk}


@pytest.mark.parametrize("ip_address", ["192.0.2.30", ""])
def test_a_deployment_can_be_retried_from_its_template_with_its_own_params(
    api: APIClient, deploy_template: TaskTemplate, ip_address: str
) -> None:
    """The front end's Retry: the execution's params, launched again through the template."""
    first = api.post(DEPLOYMENTS, params(ip_address=ip_address), format="json").json()
    execution = api.get(f"/api/tasks/executions/{first['execution_id']}/").json()

    retry = api.post(
        f"/api/tasks/templates/{execution['template_id']}/launch/",
        {"params": execution["params"]},
        format="json",
    )

    assert retry.status_code == 201, retry.json()
    assert retry.json()["params"] == execution["params"]
    second = DeploymentHistory.objects.get(execution_id=retry.json()["id"])
    assert (second.hostname, second.ip_address or "") == (params()["hostname"], ip_address)


def test_the_template_launch_validates_like_the_api(
    api: APIClient, deploy_template: TaskTemplate
) -> None:
    bad = params(hostname="-web", cpu=65, simulate={"slow_step": 9})
    url = f"/api/tasks/templates/{deploy_template.pk}/launch/"

    from_template = api.post(url, {"params": bad}, format="json")
    from_api = api.post(DEPLOYMENTS, bad, format="json")

    assert from_template.status_code == from_api.status_code == 400
    assert from_template.json()["errors"] == {"params": from_api.json()["errors"]}
    assert from_template.json()["detail"].startswith("params: ")
    assert not DeploymentHistory.objects.exists()


def test_the_template_launch_shares_the_rate_limit(
    api: APIClient, deploy_template: TaskTemplate, settings: Any
) -> None:
    settings.TASKPULSE_DEPLOY_RATE = "1/min"
    url = f"/api/tasks/templates/{deploy_template.pk}/launch/"

    assert launch(api).status_code == 202
    refused = api.post(url, {"params": params()}, format="json")

    assert refused.status_code == 429
    assert refused.has_header("Retry-After")


def test_the_migration_is_idempotent_and_reversible(deploy_template: TaskTemplate) -> None:
    from django.apps import apps

    SEED_MIGRATION.create_template(apps, None)
    assert TaskTemplate.objects.filter(task_name="deploy.deploy_vm").count() == 1
    SEED_MIGRATION.delete_template(apps, None)
    assert not TaskTemplate.objects.filter(task_name="deploy.deploy_vm").exists()


# --- admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/deploy/deploymenthistory/",
        "/admin/deploy/deploymenthistory/?status__exact=failed&provider=simulator&q=web",
    ],
)
def test_admin_pages_render(user: User, url: str) -> None:
    history = services.deployment_create(user=user, params=params())
    admin = User.objects.create_superuser("root", password="root-password-1")
    client = Client()
    client.force_login(admin)

    assert client.get(url).status_code == 200
    detail = client.get(f"/admin/deploy/deploymenthistory/{history.pk}/change/")
    assert detail.status_code == 200
    assert b"web-01" in detail.content
    assert client.get("/admin/deploy/deploymenthistory/add/").status_code == 403
