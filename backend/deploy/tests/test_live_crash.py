"""End to end: a worker killed with SIGKILL while it clones the VM; recovery re-queues the
deployment, another worker resumes it, and the VM is cloned once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from deploy.models import DeploymentHistory, SimulatedVM
from deploy.services import TASK_NAME
from deploy.tests.conftest import params
from task_manager import recovery, tracking
from task_manager.models import TaskExecution, TaskLogLine, TaskTemplate
from testing.live import LiveWorker, running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
QUEUE = "deploy-crash"


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", password="ana-password-1")


def deploy_on_queue(user: User, template: TaskTemplate, **fields: object) -> DeploymentHistory:
    """deployment_create, on a queue of this test's own (the suite's worker stays out)."""
    spec = {k: v for k, v in params(**fields).items() if k != "simulate"}
    with transaction.atomic():
        history = DeploymentHistory.objects.create(
            user=user, provider="simulator", simulate=fields.get("simulate", {}), **spec
        )
        execution = tracking.execution_launch(
            task=TASK_NAME, user=user, kwargs={"history_id": history.pk}, template=template,
            options={"queue": QUEUE},
        )  # fmt: skip
        history.execution, history.celery_task_id = execution, execution.task_id
        history.save()
    return history


def lines(execution_id: int, start: str) -> list[str]:
    found = TaskLogLine.objects.filter(execution_id=execution_id, message__startswith=start)
    return list(found.values_list("message", flat=True))


def test_a_worker_killed_during_the_clone_does_not_clone_a_second_vm(
    tmp_path: Path, ana: User, deploy_template: TaskTemplate, settings
) -> None:
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    doomed = LiveWorker(tmp_path / "doomed.log", name="cloner", queues=QUEUE)
    history = deploy_on_queue(ana, deploy_template, hostname="db-07",
                              simulate={"step_seconds": 2})  # fmt: skip
    assert history.execution_id is not None
    wait_until(lambda: lines(history.execution_id, "Cloning template"), timeout=30,
               what="the clone to start")  # fmt: skip
    doomed.kill_hard()

    report = recovery.recover()  # the "Deploy VM" template re-queues a lost deployment
    with running(LiveWorker(tmp_path / "rescuer.log", name="rescuer", queues=QUEUE)):
        wait_until(lambda: not TaskExecution.objects.get(pk=history.execution_id).is_active,
                   timeout=60, interval=0.2, what="the deployment to end")  # fmt: skip

    history.refresh_from_db()
    assert report.requeued == 1
    assert history.status == "success"
    assert len(lines(history.execution_id, "Cloning template")) == 1  # cloned once
    assert lines(history.execution_id, f"Found VM db-07 ({history.vm_id}) cloned by an earlier")
    assert list(SimulatedVM.objects.values_list("name", "vm_id")) == [("db-07", history.vm_id)]
