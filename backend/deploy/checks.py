"""System checks: a vsphere provider without its package, vCenters or account fails early."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register("deploy")
def check_vsphere_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.TASKPULSE_DEPLOY_PROVIDER != "vsphere":
        return []
    from deploy.providers import vsphere

    errors: list[CheckMessage] = []
    if vsphere.PYVMOMI_MISSING is not None:
        errors.append(Error(vsphere.MISSING_MESSAGE, id="deploy.E001"))
    if not settings.TASKPULSE_VSPHERE_HOSTS:
        errors.append(Error("TASKPULSE_VSPHERE_HOSTS is empty: list the vCenters deployments "
                            "may use", id="deploy.E002"))  # fmt: skip
    if not (settings.TASKPULSE_VSPHERE_USER and settings.TASKPULSE_VSPHERE_PASSWORD):
        errors.append(Error("TASKPULSE_VSPHERE_USER and TASKPULSE_VSPHERE_PASSWORD are needed "
                            "by the vsphere provider", id="deploy.E003"))  # fmt: skip
    return errors
