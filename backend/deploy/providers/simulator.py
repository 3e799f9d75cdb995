"""The simulator: a deployment that behaves like vSphere's, with no vCenter at all.

Pace: each step has a nominal duration (45 s in all) divided by TASKPULSE_SIMULATOR_SPEED.
A deployment's params may carry `simulate` for deterministic fault injection:

- fail_at_step k: step k fails, permanently;
- transient_failures n: the failing step (fail_at_step, else step 1) fails with a transient
  error on the first n attempts and then succeeds; n above the retries left ends failed;
- slow_step k: step k takes SLOW_FACTOR times longer, with a WARNING;
- step_seconds s: every step takes s seconds, whatever the speed.

Its inventory (deploy.models.SimulatedVM) keeps the VMs it cloned, by deployment: a clone
step repeated after a crash uses the VM found there, as vsphere does with vCenter's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings

from deploy.models import SimulatedVM
from deploy.providers.base import (
    DeploySpec,
    LogFn,
    Provider,
    ProviderError,
    Tick,
    TransientProviderError,
    no_log,
)
from deploy.steps import STEPS, Step

# Seconds of each step at speed 1; 45 s in all, inside the 30-60 s of a real small clone.
NOMINAL_SECONDS = {
    "connect": 2.0, "clone": 14.0, "configure_hardware": 3.0, "configure_network": 4.0,
    "power_on": 4.0, "wait_for_guest": 10.0, "post_configure": 5.0, "verify": 3.0,
}  # fmt: skip
SLOW_FACTOR = 4
SLICE_SECONDS = 0.05  # how often a step ticks (progress, cancel checks)
FAILURE_REASONS = {
    "connect": "vCenter refused the login",
    "clone": "the datastore has not enough free space for the clone",
    "configure_hardware": "the host cannot give the VM that much memory",
    "configure_network": "the network is not available on the VM's host",
    "power_on": "the host has not enough resources to power the VM on",
    "wait_for_guest": "the guest tools did not report an IP address in time",
    "post_configure": "the guest refused the post-configuration",
    "verify": "the VM does not answer on its IP address",
}


class SimulatorProvider(Provider):
    name = "simulator"
    description = "Simulated: no vCenter is contacted and no VM is created."

    def __init__(
        self, spec: DeploySpec, *, log: LogFn = no_log, attempt: int = 1, speed: float | None = None
    ) -> None:
        super().__init__(spec, log=log, attempt=attempt)
        self.speed = float(settings.TASKPULSE_SIMULATOR_SPEED if speed is None else speed)
        self.options = dict(spec.simulate or {})
        self.powered_on = False

    # -- pace and faults --

    def step_seconds(self, step: Step) -> float:
        seconds = self.options.get("step_seconds")
        base = float(seconds) if seconds is not None else NOMINAL_SECONDS[step.key] / self.speed
        return base * SLOW_FACTOR if self.options.get("slow_step") == step.number else base

    def work(self, step: Step, tick: Tick) -> None:
        """Spend the step's time in small slices, ticking after each, then maybe fail."""
        seconds = self.step_seconds(step)
        if self.options.get("slow_step") == step.number:
            self.log("WARNING", f"{step.title} is slow today (about {seconds:.1f} s)")
        started = time.monotonic()
        while (left := started + seconds - time.monotonic()) > 0:
            time.sleep(min(SLICE_SECONDS, left))
            tick(min(1.0, (time.monotonic() - started) / seconds))
        tick(1.0)
        self.inject_fault(step)

    def inject_fault(self, step: Step) -> None:
        transient = int(self.options.get("transient_failures") or 0)
        failing = self.options.get("fail_at_step") or (1 if transient else None)
        if failing != step.number:
            return
        if transient:
            if self.attempt <= transient:
                raise TransientProviderError(
                    f"simulated transient error: vCenter did not answer in time "
                    f"(attempt {self.attempt})"
                )
            return
        raise ProviderError(f"simulated failure: {FAILURE_REASONS[step.key]}")

    # -- the steps --

    def connect(self, tick: Tick) -> None:
        self.work(STEPS[0], tick)
        self.log("INFO", f"Connected to vCenter {self.spec.vcenter_host} (simulated)")

    def attach(self, vm_id: str) -> None:
        self.vm_id = vm_id
        self.log("INFO", f"Found VM {vm_id} cloned by an earlier attempt")

    def clone(self, tick: Tick) -> str:
        spec = self.spec
        made = self.cloned_before()
        if made is not None:
            self.vm_id = made.vm_id
            self.log("INFO", f"Found VM {spec.hostname} ({self.vm_id}) cloned by an earlier "
                             f"attempt; not cloning again")  # fmt: skip
            tick(1.0)
            self.inject_fault(STEPS[1])
            return self.vm_id
        self.log("INFO", f"Cloning template {spec.template} in datacenter {spec.datacenter}")
        self.vm_id = f"sim-vm-{digest(spec.vcenter_host, spec.hostname, spec.key)[:10]}"
        self.record_clone()
        self.work(STEPS[1], tick)
        self.log("INFO", f"Cloned VM {spec.hostname} ({self.vm_id}), powered off")
        return self.vm_id

    def cloned_before(self) -> SimulatedVM | None:
        """The VM an earlier attempt of this deployment cloned, if one did."""
        if not self.spec.key:
            return None  # a run outside any deployment keeps no inventory
        return SimulatedVM.objects.filter(deployment_key=self.spec.key).first()

    def record_clone(self) -> None:
        """The clone is under way: like vCenter's, it ends with a VM even if this worker dies."""
        if self.spec.key:
            spec = self.spec
            SimulatedVM.objects.create(
                deployment_key=spec.key, vcenter_host=spec.vcenter_host,
                datacenter=spec.datacenter, name=spec.hostname, vm_id=self.vm_id,
            )  # fmt: skip

    def configure_hardware(self, tick: Tick) -> None:
        self.work(STEPS[2], tick)
        spec = self.spec
        self.log("INFO", f"Set {spec.cpu} vCPU, {spec.memory_gb} GB memory, "
                         f"{spec.disk_gb} GB disk")  # fmt: skip

    def configure_network(self, tick: Tick) -> None:
        self.work(STEPS[3], tick)
        addressing = f"static IP {self.spec.ip_address}" if self.spec.ip_address else "DHCP"
        self.log("INFO", f"Connected the NIC to {self.spec.network}, {addressing}")

    def power_on(self, tick: Tick) -> None:
        self.work(STEPS[4], tick)
        self.powered_on = True
        self.log("INFO", f"VM {self.vm_id} powered on")

    def wait_for_guest(self, tick: Tick) -> str:
        self.work(STEPS[5], tick)
        address = self.spec.ip_address or dhcp_address(self.spec.hostname)
        self.log("INFO", f"Guest tools running; IP address {address}")
        return address

    def post_configure(self, tick: Tick) -> None:
        self.work(STEPS[6], tick)
        self.log("INFO", "Set the VM's notes and the hostname in the guest")

    def verify(self, tick: Tick) -> None:
        self.work(STEPS[7], tick)
        self.log("INFO", f"VM {self.spec.hostname} is powered on with the hardware asked for")


def digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def dhcp_address(hostname: str) -> str:
    """The address 'DHCP' hands out: stable per hostname, inside 10.0.0.0/8 (never used)."""
    offset = int(digest(hostname)[:8], 16) % (2**24 - 2) + 1
    return str(ipaddress.IPv4Address("10.0.0.0") + offset)
