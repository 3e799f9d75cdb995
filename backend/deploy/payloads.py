"""The JSON of a deployment, and the seed-shaped progress of its task (seed 000)."""

from __future__ import annotations

from typing import Any

from deploy.models import DeploymentHistory, DeploymentStatus
from deploy.steps import TOTAL_STEPS
from task_manager.models import ExecutionStatus
from task_manager.payloads import execution_data, iso

S = ExecutionStatus
D = DeploymentStatus
# The seed's `status` words; its scripts poll while "pending" or "running".
SEED_STATUS = {
    S.PENDING: "pending", S.STARTED: "running", S.PROGRESS: "running", S.RETRY: "running",
    S.SUCCESS: "success", S.FAILURE: "failed", S.REVOKED: "cancelled",
}  # fmt: skip
# When retention has deleted the execution, the history answers alone.
STATE_OF_HISTORY = {
    D.PENDING: S.PENDING, D.DEPLOYING: S.PROGRESS, D.SUCCESS: S.SUCCESS,
    D.FAILED: S.FAILURE, D.CANCELLED: S.REVOKED,
}  # fmt: skip


def deployment_params(history: DeploymentHistory) -> dict[str, Any]:
    return {
        "hostname": history.hostname,
        "vcenter_host": history.vcenter_host,
        "datacenter": history.datacenter,
        "template": history.template,
        "network": history.network,
        "cpu": history.cpu,
        "memory_gb": history.memory_gb,
        "disk_gb": history.disk_gb,
        "ip_address": history.ip_address or "",
        "simulate": history.simulate or {},
    }


def deployment_result(history: DeploymentHistory) -> dict[str, Any] | None:
    if not history.vm_id and not history.vm_ip_address:
        return None
    return {"vm_id": history.vm_id or None, "ip_address": history.vm_ip_address}


def deployment_data(history: DeploymentHistory) -> dict[str, Any]:
    """A deployment as the API shows it, with its execution (None once retention ran)."""
    execution = history.execution
    return {
        "id": history.pk,
        "hostname": history.hostname,
        "provider": history.provider,
        "status": history.status,
        "user": {"id": history.user_id, "username": history.user.get_username()},
        "params": deployment_params(history),
        "result": deployment_result(history),
        "error": history.error or None,
        "last_step": history.last_step,
        "total_steps": TOTAL_STEPS,
        "task_id": history.celery_task_id,
        "execution_id": history.execution_id,
        "created_at": iso(history.created_at),
        "started_at": iso(history.started_at),
        "finished_at": iso(history.finished_at),
        "execution": execution_data(execution) if execution is not None else None,
    }


def task_progress_data(history: DeploymentHistory) -> dict[str, Any]:
    """GET /deploy/ajax/task-progress/<task_id>/ as seed 000's scripts read it."""
    execution = history.execution
    if execution is None:
        state = STATE_OF_HISTORY[D(history.status)]
        step = history.last_step
        percent = 100 if history.status == D.SUCCESS else 100 * step // TOTAL_STEPS
        message = history.error or history.status
    else:
        state = S(execution.status)
        step, percent, message = execution.current_step, int(execution.progress), execution.message
    return {
        "task_id": history.celery_task_id,
        "state": str(state),
        "status": SEED_STATUS[state],
        "current_step": step,
        "total_steps": TOTAL_STEPS,
        "percent": percent,
        "message": message,
        "history_id": history.pk,
    }
