"""Admin actions on the cluster (staff, through Flower), each one audited whatever happens."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from cluster.flower.service import WORKER_ACTION_PATHS, FlowerActionFailed, FlowerService
from cluster.models import AuditRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionOutcome:
    record: AuditRecord
    failure: str | None  # FlowerActionFailed.kind when the action did not happen


def cluster_action(
    *, user: User, action: str, target: str, params: dict[str, Any]
) -> ActionOutcome:
    """Run an admin action through Flower and audit it, whether it happened or not.

    Worker actions (flower.WORKER_ACTION_PATHS) act on the worker named by `target`; task
    actions (rate-limit, time-limit) on the task named by `target`, on `params["worker"]`
    or, without one, on every online worker.
    """
    service = FlowerService.from_settings()
    params = dict(params)
    try:
        message = run_cluster_action(service, action=action, target=target, params=params)
    except FlowerActionFailed as exc:
        record = audit_record_create(
            user=user, action=action, target=target, params=params, ok=False, error=str(exc)
        )
        outcome = ActionOutcome(record, exc.kind)
    else:
        record = audit_record_create(
            user=user, action=action, target=target, params=params, ok=True, result=message
        )
        outcome = ActionOutcome(record, None)
    service.forget()  # the cached worker list no longer says what the cluster is
    logger.info("cluster action %s by %s", record, user.get_username())
    return outcome


def run_cluster_action(
    service: FlowerService, *, action: str, target: str, params: dict[str, Any]
) -> str:
    if action in WORKER_ACTION_PATHS:
        return service.worker_action(target, action, params)
    limits = {name: value for name, value in params.items() if name != "worker"}
    workers = [params["worker"]] if params.get("worker") else service.online_workers()
    if not workers:
        raise FlowerActionFailed("No worker is online to apply it to.", kind="refused")
    params["workers"] = workers  # recorded in the audit
    return service.task_action(target, action, limits, workers)


def audit_record_create(
    *, user: User, action: str, target: str, params: dict[str, Any], ok: bool,
    result: str = "", error: str = "",
) -> AuditRecord:  # fmt: skip
    return AuditRecord.objects.create(
        user=user, username=user.get_username(), action=action, target=target[:255],
        params=params, ok=ok, result=result, error=error,
    )  # fmt: skip
