"""The provider interface: one method per deployment step, two kinds of error.

A provider performs the steps against one infrastructure. The runner (deploy.services)
calls them in order, reports progress and decides about retries; a provider only does the
work, calls `tick(fraction)` while a step runs (so that progress moves and a cancel is
noticed inside long steps: `tick` may raise TaskCancelled), and tells what it did through
`log(level, message)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

Tick = Callable[[float], None]  # the fraction of the current step that is done, 0..1
LogFn = Callable[[str, str], None]  # (level, message)


class ProviderError(Exception):
    """A failure that another attempt would not fix (bad template name, no capacity...)."""


class TransientProviderError(ProviderError):
    """A failure worth retrying (vCenter busy, a timeout, a dropped connection)."""


@dataclass(frozen=True)
class DeploySpec:
    """What to deploy, as the provider needs it."""

    hostname: str
    vcenter_host: str
    datacenter: str
    template: str
    network: str
    cpu: int
    memory_gb: int
    disk_gb: int
    ip_address: str = ""  # empty: DHCP
    simulate: Mapping[str, Any] = field(default_factory=dict)
    # Names this deployment on the infrastructure (its execution's task id), on every attempt:
    # a clone step repeated after a crash finds the VM it made by it instead of cloning again.
    key: str = ""


def no_tick(fraction: float) -> None:
    """A tick that ignores progress (tests, and steps run outside a task)."""


def no_log(level: str, message: str) -> None:
    """A log that drops everything."""


class Provider:
    """Performs the eight steps for one deployment attempt; one instance per attempt."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, spec: DeploySpec, *, log: LogFn = no_log, attempt: int = 1) -> None:
        self.spec = spec
        self.log = log
        self.attempt = attempt
        self.vm_id = ""

    def connect(self, tick: Tick) -> None:
        """Called first on every attempt: open a session with the vCenter."""
        raise NotImplementedError

    def attach(self, vm_id: str) -> None:
        """Called on a resumed attempt instead of cloning again: find the VM cloned before."""
        raise NotImplementedError

    def clone(self, tick: Tick) -> str:
        """Called to clone the template into a new, powered-off VM; returns its id. Cloning
        is not idempotent: a VM this deployment (spec.key) cloned in an attempt that died
        is found and used instead of cloning a second one."""
        raise NotImplementedError

    def configure_hardware(self, tick: Tick) -> None:
        """Called to set the CPU count, the memory and the disk size."""
        raise NotImplementedError

    def configure_network(self, tick: Tick) -> None:
        """Called to connect the NIC to the network and set the static IP or DHCP."""
        raise NotImplementedError

    def power_on(self, tick: Tick) -> None:
        """Called to power the VM on."""
        raise NotImplementedError

    def wait_for_guest(self, tick: Tick) -> str:
        """Called to wait for the guest tools and an IP address; returns the address."""
        raise NotImplementedError

    def post_configure(self, tick: Tick) -> None:
        """Called for the finishing touches once the guest is up (notes, tags)."""
        raise NotImplementedError

    def verify(self, tick: Tick) -> None:
        """Called last: check that the VM is what was asked for, and running."""
        raise NotImplementedError

    def close(self) -> None:
        """Called after the last step, and after a failure or a cancel: end the session."""
