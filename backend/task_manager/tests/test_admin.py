import pytest
from django.contrib.auth.models import User
from django.test import Client

from task_manager.models import ExecutionStatus, TaskTemplate
from task_manager.tests.factories import (
    DEMO_TASK,
    make_execution,
    make_log_lines,
    make_notification,
    make_template,
)

pytestmark = pytest.mark.django_db

S = ExecutionStatus


@pytest.fixture
def admin_client_(db: None) -> Client:
    admin = User.objects.create_superuser("root", password="root-password-1")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/task_manager/taskexecution/",
        "/admin/task_manager/taskexecution/?status__exact=FAILURE&module=demo&q=ana",
        "/admin/task_manager/tasklogline/?level__exact=INFO&q=line",
        "/admin/task_manager/tasktemplate/?enabled__exact=1&q=Demo",
        "/admin/task_manager/tasknotification/?q=ana",
        "/admin/task_manager/tasktemplate/add/",
    ],
)
def test_admin_pages_render(admin_client_: Client, user: User, url: str) -> None:
    execution = make_execution(user=user, status=S.FAILURE, title="Import")
    make_log_lines(execution, 3)
    make_template()
    make_notification(user=user, execution=execution)

    assert admin_client_.get(url).status_code == 200


def test_execution_change_page_shows_seq_read_only(admin_client_: Client, user: User) -> None:
    execution = make_execution(user=user, seq=12)

    response = admin_client_.get(f"/admin/task_manager/taskexecution/{execution.pk}/change/")

    assert response.status_code == 200
    assert "seq" not in response.context["adminform"].form.fields
    assert b"12" in response.content


def test_admin_template_form_checks_schema_and_task(admin_client_: Client) -> None:
    form = {
        "name": "Demo", "module": "demo", "task_name": "no.such.task", "description": "",
        "default_params": "{}", "params_schema": '{"type": "strin"}', "max_retries": "3",
        "on_worker_lost": "fail", "notify_on_finish": "on", "enabled": "on",
    }  # fmt: skip

    refused = admin_client_.post("/admin/task_manager/tasktemplate/add/", form)
    accepted = admin_client_.post(
        "/admin/task_manager/tasktemplate/add/",
        {**form, "task_name": DEMO_TASK, "params_schema": '{"type": "object"}'},
    )

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert set(errors) == {"task_name", "params_schema"}
    assert accepted.status_code == 302
    assert TaskTemplate.objects.get().task_name == DEMO_TASK


def test_cancel_action_uses_the_cancel_service(admin_client_: Client, user: User) -> None:
    pending = make_execution(user=user, status=S.PENDING)
    finished = make_execution(user=user, status=S.SUCCESS)

    response = admin_client_.post(
        "/admin/task_manager/taskexecution/",
        {"action": "cancel_executions", "_selected_action": [pending.pk, finished.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 cancelled, 1 already finished." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == S.REVOKED
