"""Deployment providers, chosen by the TASKPULSE_DEPLOY_PROVIDER setting."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from deploy.providers.base import (
    DeploySpec,
    LogFn,
    Provider,
    ProviderError,
    TransientProviderError,
)

PROVIDERS = {
    "simulator": "deploy.providers.simulator.SimulatorProvider",
    "vsphere": "deploy.providers.vsphere.VSphereProvider",
}

__all__ = [
    "PROVIDERS",
    "DeploySpec",
    "Provider",
    "ProviderError",
    "TransientProviderError",
    "configured_provider",
    "create_provider",
]


def configured_provider() -> str:
    """The provider new deployments are recorded with (and run by)."""
    return str(settings.TASKPULSE_DEPLOY_PROVIDER)


def provider_class(name: str) -> type[Provider]:
    if name not in PROVIDERS:
        raise ProviderError(f"unknown deployment provider {name!r}")
    cls: type[Provider] = import_string(PROVIDERS[name])
    return cls


def create_provider(name: str, spec: DeploySpec, *, log: LogFn, attempt: int) -> Provider:
    """The provider a deployment was recorded with; ProviderError when it cannot run here."""
    return provider_class(name)(spec, log=log, attempt=attempt)
