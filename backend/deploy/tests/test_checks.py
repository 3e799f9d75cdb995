"""System checks of the deploy settings."""

from __future__ import annotations

from typing import Any

import pytest

from deploy.checks import check_vsphere_settings
from deploy.providers import vsphere


def ids(settings: Any) -> set[str | None]:
    return {message.id for message in check_vsphere_settings()}


def test_the_simulator_needs_nothing(settings: Any) -> None:
    settings.TASKPULSE_DEPLOY_PROVIDER = "simulator"

    assert ids(settings) == set()


def test_vsphere_needs_its_package_vcenters_and_account(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKPULSE_DEPLOY_PROVIDER = "vsphere"
    settings.TASKPULSE_VSPHERE_HOSTS = []
    settings.TASKPULSE_VSPHERE_USER = ""
    monkeypatch.setattr(vsphere, "PYVMOMI_MISSING", ImportError("No module named 'pyVmomi'"))

    assert ids(settings) == {"deploy.E001", "deploy.E002", "deploy.E003"}


def test_vsphere_fully_configured_passes(settings: Any) -> None:
    settings.TASKPULSE_DEPLOY_PROVIDER = "vsphere"
    settings.TASKPULSE_VSPHERE_HOSTS = ["vcenter.lab"]
    settings.TASKPULSE_VSPHERE_USER = "svc"
    settings.TASKPULSE_VSPHERE_PASSWORD = "secret"

    assert ids(settings) == set()
