"""Fixtures of the deploy suite."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps

from deploy.api.throttles import DeployLaunchThrottle
from task_manager.models import TaskTemplate
from testing.redis_keys import delete_matching

SEED_MIGRATION = import_module("deploy.migrations.0002_deploy_vm_template")


def params(**fields: Any) -> dict[str, Any]:
    """Valid params of a deployment, with fast fault-free simulation unless told."""
    values: dict[str, Any] = {
        "hostname": "web-01", "vcenter_host": "vcenter.lab.example", "datacenter": "DC1",
        "template": "ubuntu-22.04", "network": "VM Network", "cpu": 2, "memory_gb": 4,
        "disk_gb": 40, "simulate": {"step_seconds": 0},
    }  # fmt: skip
    return {**values, **fields}


@pytest.fixture
def deploy_template(db: None) -> TaskTemplate:
    """The "Deploy VM" template as the data migration makes it (a transactional test's
    flush deletes what migrations seeded, so tests make sure it is there)."""
    SEED_MIGRATION.create_template(apps, None)
    return TaskTemplate.objects.get(name=SEED_MIGRATION.NAME)


@pytest.fixture(autouse=True)
def fresh_launch_counts() -> None:
    """Launch counts live in Redis, shared by every process and run: start each test at 0."""
    delete_matching(f"*{DeployLaunchThrottle.scope}*")
