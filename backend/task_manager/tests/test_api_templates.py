from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from task_manager import launching
from task_manager.models import TaskExecution, TaskTemplate
from task_manager.payloads import execution_data
from task_manager.tests.factories import DEMO_SCHEMA, DEMO_TASK, make_template

pytestmark = pytest.mark.django_db

LIST = "/api/tasks/templates/"


@pytest.fixture
def staff_api(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def url(template: TaskTemplate, suffix: str = "") -> str:
    return f"{LIST}{template.pk}/{suffix}"


def new_template(**fields: Any) -> dict[str, Any]:
    return {"name": "Demo", "module": "demo", "task_name": DEMO_TASK,
            "params_schema": DEMO_SCHEMA, "default_params": {"steps": 3}, **fields}  # fmt: skip


# --- reading -------------------------------------------------------------------------------


def test_users_list_enabled_templates_and_staff_list_all(
    api: APIClient, staff_api: APIClient
) -> None:
    enabled = make_template(name="A enabled")
    disabled = make_template(name="B disabled", enabled=False)

    body = api.get(LIST).json()

    assert [row["id"] for row in body["results"]] == [enabled.pk]
    assert body["results"][0]["params_schema"] == DEMO_SCHEMA
    assert api.get(url(disabled)).status_code == 404
    assert staff_api.get(LIST).json()["count"] == 2
    assert staff_api.get(url(disabled)).json()["enabled"] is False


def test_templates_filter_by_module(api: APIClient) -> None:
    deploy = make_template(module="deploy")
    make_template(module="edi")

    assert [row["id"] for row in api.get(LIST, {"module": "deploy"}).json()["results"]] == [
        deploy.pk
    ]


# --- writing -------------------------------------------------------------------------------


def test_staff_create_update_and_delete_templates(staff_api: APIClient) -> None:
    created = staff_api.post(LIST, new_template(), format="json")
    template = TaskTemplate.objects.get(pk=created.json()["id"])

    patched = staff_api.patch(url(template), {"enabled": False, "time_limit": 60}, format="json")
    deleted = staff_api.delete(url(template))

    assert created.status_code == 201
    assert created.json()["task_name"] == DEMO_TASK
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    assert patched.json()["time_limit"] == 60
    assert deleted.status_code == 204
    assert not TaskTemplate.objects.exists()


def test_non_staff_cannot_write_templates(api: APIClient) -> None:
    template = make_template()

    responses = [
        api.post(LIST, new_template(), format="json"),
        api.patch(url(template), {"enabled": False}, format="json"),
        api.put(url(template), new_template(), format="json"),
        api.delete(url(template)),
    ]

    assert [response.status_code for response in responses] == [403] * 4
    assert all("detail" in response.json() for response in responses)
    template.refresh_from_db()
    assert template.enabled is True


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"task_name": "no.such.task"}, "task_name"),
        ({"task_name": "celery.ping"}, "task_name"),
        ({"task_name": ["x"]}, "task_name"),
        ({"params_schema": {"type": "strin"}}, "params_schema"),
        ({"params_schema": {"properties": {"a": {"minimum": "1"}}}}, "params_schema"),
        ({"params_schema": {"properties": {"a": {"pattern": "("}}}}, "params_schema"),
        ({"params_schema": {"type": "array"}}, "params_schema"),
        ({"params_schema": []}, "params_schema"),
        ({"params_schema": "{}"}, "params_schema"),
        ({"default_params": [1, 2]}, "default_params"),
        ({"default_params": "steps=3"}, "default_params"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"enabled": "perhaps"}, "enabled"),
        ({"max_retries": "three"}, "max_retries"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 10**30}, "max_retries"),
        ({"time_limit": 2**70}, "time_limit"),
        ({"time_limit": "1e3"}, "time_limit"),
        ({"pending_timeout": 1.5}, "pending_timeout"),
        ({"on_worker_lost": "explode"}, "on_worker_lost"),
    ],
)
def test_invalid_template_fields_are_400(
    staff_api: APIClient, fields: dict[str, Any], field: str
) -> None:
    response = staff_api.post(LIST, new_template(**fields), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not TaskTemplate.objects.exists()


def test_a_schema_nested_too_deeply_is_400(staff_api: APIClient) -> None:
    schema: dict[str, Any] = {"type": "object"}
    for _ in range(400):
        schema = {"type": "object", "properties": {"a": schema}}

    response = staff_api.post(LIST, new_template(params_schema=schema), format="json")

    assert response.status_code == 400  # refused by the JSON parser (config.api.parsers)
    assert "nested deeper than 64 levels" in response.json()["detail"]
    assert not TaskTemplate.objects.exists()


def test_duplicate_names_are_400(staff_api: APIClient) -> None:
    make_template(name="Demo")

    response = staff_api.post(LIST, new_template(), format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    ['{"name": ', '{"max_retries": 1e999}', '{"time_limit": Infinity}', "[", '"text"', "null"],
)
def test_malformed_template_bodies_are_400(staff_api: APIClient, body: str) -> None:
    template = make_template()

    created = staff_api.post(LIST, body, content_type="application/json")
    patched = staff_api.patch(url(template), body, content_type="application/json")

    assert (created.status_code, patched.status_code) == (400, 400)
    assert created.json()["errors"]
    assert patched.json()["errors"]


def test_patch_validates_like_create(staff_api: APIClient) -> None:
    template = make_template()

    response = staff_api.patch(url(template), {"params_schema": {"type": 5}}, format="json")

    assert response.status_code == 400
    assert "params_schema" in response.json()["errors"]


# --- launching -----------------------------------------------------------------------------


def test_launch_merges_defaults_and_creates_the_execution(
    api: APIClient, user: User, django_capture_on_commit_callbacks
) -> None:
    template = make_template(default_params={"step_seconds": 0.1, "steps": 2})

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(url(template, "launch/"), {"params": {"steps": 4}}, format="json")

    assert response.status_code == 201
    execution = TaskExecution.objects.get()
    assert response.json() == execution_data(execution)
    assert response["Location"] == f"/api/tasks/executions/{execution.pk}/"
    assert execution.kwargs == {"step_seconds": 0.1, "steps": 4}
    assert execution.task_name == DEMO_TASK
    assert execution.template == template
    assert execution.title == template.name
    assert execution.user == user
    assert callbacks  # the task is sent once the transaction commits


def test_launch_without_a_body_uses_the_defaults(api: APIClient) -> None:
    template = make_template(default_params={"steps": 1})

    response = api.post(url(template, "launch/"))

    assert response.status_code == 201
    assert TaskExecution.objects.get().kwargs == {"steps": 1}


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"steps": ["This field is required."]}),
        ({"steps": "4"}, {"steps": ["'4' is not of type 'integer'"]}),
        ({"steps": 10**30}, {"steps": [f"{10**30} is greater than the maximum of 100"]}),
        ({"steps": 2, "colour": "red"}, {"non_field_errors": None}),
    ],
)
def test_launch_params_are_checked_against_the_schema(
    api: APIClient, params: dict[str, Any], errors: dict[str, Any]
) -> None:
    template = make_template(default_params={})

    response = api.post(url(template, "launch/"), {"params": params}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]["params"]) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert body["errors"]["params"][field] == messages
    assert body["detail"].startswith("params: ")
    assert not TaskExecution.objects.exists()


def test_launch_errors_name_nested_fields_and_every_missing_property(api: APIClient) -> None:
    schema = {
        "type": "object",
        "required": ["vm", "count", "zone"],
        "properties": {
            "vm": {
                "type": "object",
                "required": ["name"],
                "properties": {"cpus": {"type": "integer"}},
            },
            "disks": {"type": "array", "items": {"type": "integer"}},
        },
    }  # fmt: skip
    template = make_template(params_schema=schema, default_params={})

    response = api.post(
        url(template, "launch/"),
        {"params": {"vm": {"cpus": "two"}, "disks": [1, "x"]}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["params"] == {
        "count": ["This field is required."],
        "zone": ["This field is required."],
        "vm.name": ["This field is required."],
        "vm.cpus": ["'two' is not of type 'integer'"],
        "disks.1": ["'x' is not of type 'integer'"],
    }


@pytest.mark.parametrize(
    "body",
    [
        {"params": "steps=3"},
        {"params": [1]},
        {"params": None},
        '{"params": {"steps": 1e999}}',
        '{"params": {"steps": NaN}}',
        '{"params": ',
        "[]",
    ],
)
def test_malformed_launch_bodies_are_400(api: APIClient, body: Any) -> None:
    template = make_template()

    if isinstance(body, str):
        response = api.post(url(template, "launch/"), body, content_type="application/json")
    else:
        response = api.post(url(template, "launch/"), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]
    assert not TaskExecution.objects.exists()


def test_a_schema_that_cannot_be_applied_is_a_400_not_a_500(api: APIClient) -> None:
    recursive = {"type": "object", "$ref": "#"}
    remote = {"type": "object", "properties": {"a": {"$ref": "https://example.invalid/s.json"}}}
    stored_before_validation = {"type": "object", "properties": {"a": {"minimum": "x"}}}
    first = make_template(params_schema=recursive, default_params={})
    second = make_template(params_schema=remote, default_params={})
    third = make_template(params_schema=stored_before_validation, default_params=[1])

    responses = [
        api.post(url(first, "launch/"), {"params": {}}, format="json"),
        api.post(url(second, "launch/"), {"params": {"a": 1}}, format="json"),
        api.post(url(third, "launch/"), {"params": {"a": 1}}, format="json"),
    ]

    assert [response.status_code for response in responses] == [400, 400, 400]
    assert all(response.json()["errors"] for response in responses)


def test_a_disabled_template_is_404_for_users_and_400_for_staff(
    api: APIClient, staff_api: APIClient
) -> None:
    template = make_template(enabled=False, default_params={"steps": 1})

    by_user = api.post(url(template, "launch/"), {}, format="json")
    by_staff = staff_api.post(url(template, "launch/"), {}, format="json")

    assert by_user.status_code == 404
    assert by_staff.status_code == 400
    assert by_staff.json()["detail"] == "The template is disabled."
    assert not TaskExecution.objects.exists()


def test_launching_a_template_whose_task_is_gone_is_400(api: APIClient) -> None:
    template = make_template(task_name="gone.task", default_params={"steps": 1})

    response = api.post(url(template, "launch/"), {}, format="json")

    assert response.status_code == 400
    assert "no longer registered" in response.json()["detail"]


def test_a_missing_template_is_404(api: APIClient) -> None:
    assert api.post(f"{LIST}{'9' * 30}/launch/", {}, format="json").status_code == 404
    assert api.get(f"{LIST}424242/").status_code == 404


@pytest.mark.django_db
def test_a_template_launch_keeps_its_params_for_a_retry(api, staff_user) -> None:
    from task_manager.models import TaskTemplate

    template = TaskTemplate.objects.create(
        name="demo-retry", module="demo", task_name="task_manager.demo",
        default_params={"steps": 2}, params_schema={"type": "object"},
    )  # fmt: skip

    response = api.post(
        f"/api/tasks/templates/{template.pk}/launch/",
        {"params": {"step_seconds": 0}},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["params"] == {"steps": 2, "step_seconds": 0}
    assert response.json()["template_id"] == template.pk


@pytest.mark.django_db(transaction=True)
def test_a_launch_the_broker_does_not_take_is_accepted_202_not_an_error(
    api: APIClient, published: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_gives_up(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Retry limit exceeded while trying to reconnect")

    monkeypatch.setattr(launching.celery_app, "send_task", broker_gives_up)
    template = make_template(default_params={"steps": 1})

    response = api.post(url(template, "launch/"), {}, format="json")

    assert response.status_code == 202
    execution = TaskExecution.objects.get()
    assert response.json() == execution_data(execution)
    assert (execution.status, execution.queued_at) == ("PENDING", None)
    assert response.json()["message"] == launching.BROKER_DOWN_MESSAGE
    assert response["Location"] == f"/api/tasks/executions/{execution.pk}/"
