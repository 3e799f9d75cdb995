"""VMware vSphere through pyVmomi, the optional extra: pip install 'taskpulse[vsphere]'.

The service account (TASKPULSE_VSPHERE_USER / TASKPULSE_VSPHERE_PASSWORD) logs in only to a
vCenter listed in TASKPULSE_VSPHERE_HOSTS: a deployment names its vCenter, and the account's
password must never be sent to a host a user typed. Guest customization is Linux (LinuxPrep);
a static address gets the /24 mask of STATIC_NETMASK.

pyVmomi faults are sorted into transient ones (a busy or unreachable vCenter, a dropped
connection: retried) and permanent ones (bad names, no capacity, no permission).
"""

from __future__ import annotations

import ipaddress
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.conf import settings

from deploy.providers.base import (
    DeploySpec,
    LogFn,
    Provider,
    ProviderError,
    Tick,
    TransientProviderError,
    no_log,
)

PYVMOMI_MISSING: ImportError | None = None
try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim, vmodl
except ImportError as exc:  # the optional extra is not installed
    PYVMOMI_MISSING = exc

MISSING_MESSAGE = (
    "the vsphere provider needs the optional package 'pyvmomi', which is not installed: "
    "pip install 'taskpulse[vsphere]' (or pyvmomi), or set TASKPULSE_DEPLOY_PROVIDER=simulator"
)
STATIC_NETMASK = "255.255.255.0"
CONNECT_TIMEOUT = 30
GUEST_TIMEOUT = 600
Connector = Callable[[str], Any]  # vCenter host -> vim.ServiceInstance


def require_pyvmomi() -> None:
    if PYVMOMI_MISSING is not None:
        raise ProviderError(MISSING_MESSAGE)


def smart_connect(host: str) -> Any:
    """Log in to a vCenter with the service account of the settings."""
    return SmartConnect(
        host=host, user=settings.TASKPULSE_VSPHERE_USER, pwd=settings.TASKPULSE_VSPHERE_PASSWORD,
        disableSslCertValidation=not settings.TASKPULSE_VSPHERE_VERIFY_SSL,
        httpConnectionTimeout=CONNECT_TIMEOUT,
    )  # fmt: skip


def check_allowed_host(host: str) -> None:
    allowed = {name.lower() for name in settings.TASKPULSE_VSPHERE_HOSTS}
    if host.lower() not in allowed:
        raise ProviderError(f"vCenter {host} is not in TASKPULSE_VSPHERE_HOSTS")


def transient_faults() -> tuple[type[Exception], ...]:
    return (
        vmodl.fault.HostCommunication, vim.fault.HostConnectFault, vim.fault.TaskInProgress,
        vim.fault.Timedout, vmodl.fault.RequestCanceled,
    )  # fmt: skip


def fault_text(fault: Exception) -> str:
    if isinstance(fault, vmodl.MethodFault):
        return str(getattr(fault, "msg", "") or type(fault).__name__.rsplit(".", 1)[-1])
    return str(fault) or type(fault).__name__


def provider_error(fault: Exception, what: str) -> ProviderError:
    """The provider error a pyVmomi fault (or a socket error) stands for."""
    if isinstance(fault, ssl.SSLCertVerificationError):
        return ProviderError(
            f"{what}: the vCenter's TLS certificate is not trusted ({fault.verify_message}); "
            "install its CA, or set TASKPULSE_VSPHERE_VERIFY_SSL=false"
        )
    if isinstance(fault, transient_faults()) or (
        isinstance(fault, OSError) and not isinstance(fault, ssl.SSLError)
    ):
        return TransientProviderError(f"{what}: {fault_text(fault)}")
    if isinstance(fault, vim.fault.InvalidLogin):
        user = settings.TASKPULSE_VSPHERE_USER
        return ProviderError(f"{what}: vCenter refused the login of {user!r}")
    return ProviderError(f"{what}: {fault_text(fault)}")


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn pyVmomi faults and socket errors raised inside into provider errors."""
    try:
        yield
    except ProviderError:
        raise
    except (vmodl.MethodFault, OSError) as fault:
        raise provider_error(fault, what) from fault


def scaled(tick: Tick, start: float, end: float) -> Tick:
    """A tick for one part of a step (the first of two vCenter tasks: 0 to 0.5)."""
    return lambda fraction: tick(start + (end - start) * fraction)


class VSphereProvider(Provider):
    name = "vsphere"
    description = "VMware vSphere: real VMs on the vCenter the deployment names."

    def __init__(
        self, spec: DeploySpec, *, log: LogFn = no_log, attempt: int = 1,
        connector: Connector | None = None, poll_seconds: float = 1.0,
        guest_timeout: float = GUEST_TIMEOUT,
    ) -> None:  # fmt: skip
        super().__init__(spec, log=log, attempt=attempt)
        require_pyvmomi()
        self.connector = connector or smart_connect
        self.poll_seconds = poll_seconds
        self.guest_timeout = guest_timeout
        self.si: Any = None
        self.content: Any = None
        self.datacenter: Any = None
        self.vm: Any = None

    # -- helpers --

    def find(self, container: Any, kind: Any, name: str) -> Any:
        view = self.content.viewManager.CreateContainerView(container, [kind], True)
        try:
            return next((obj for obj in view.view if obj.name == name), None)
        finally:
            view.Destroy()

    def wait(self, task: Any, tick: Tick, what: str) -> Any:
        """Follow a vCenter task to its end, ticking its progress; cancel it if we stop."""
        try:
            while True:
                with translated(what):
                    info = task.info
                if info.state == vim.TaskInfo.State.success:
                    tick(1.0)
                    return info.result
                if info.state == vim.TaskInfo.State.error:
                    raise provider_error(info.error, what)
                tick((info.progress or 0) / 100)
                time.sleep(self.poll_seconds)
        except Exception:
            self.cancel_task(task)
            raise

    def cancel_task(self, task: Any) -> None:
        try:
            info = task.info
            if info.cancelable and info.state in ("queued", "running"):
                task.CancelTask()
        except Exception:  # noqa: S110 - best effort: the task may be gone already
            pass

    def devices(self, kind: Any) -> list[Any]:
        return [d for d in self.vm.config.hardware.device if isinstance(d, kind)]

    # -- the steps --

    def connect(self, tick: Tick) -> None:
        host = self.spec.vcenter_host
        check_allowed_host(host)
        with translated(f"connecting to vCenter {host}"):
            self.si = self.connector(host)
            self.content = self.si.RetrieveContent()
            self.datacenter = self.find(
                self.content.rootFolder, vim.Datacenter, self.spec.datacenter
            )
            version = self.content.about.fullName
        if self.datacenter is None:
            raise ProviderError(f"datacenter {self.spec.datacenter!r} not found on {host}")
        tick(1.0)
        self.log("INFO", f"Connected to vCenter {host} ({version})")

    def attach(self, vm_id: str) -> None:
        with translated(f"finding VM {vm_id}"):
            self.vm = vim.VirtualMachine(vm_id, self.si._stub)
            name = self.vm.name
        self.vm_id = vm_id
        self.log("INFO", f"Found VM {name} ({vm_id}) cloned by an earlier attempt")

    def clone(self, tick: Tick) -> str:
        spec = self.spec
        with translated("looking up the template"):
            template = self.find(self.datacenter.vmFolder, vim.VirtualMachine, spec.template)
            if template is None:
                raise ProviderError(f"template {spec.template!r} not found in {spec.datacenter}")
            existing = self.find(self.datacenter.vmFolder, vim.VirtualMachine, spec.hostname)
            if existing is not None and self.cloned_by_this_deployment(existing):
                return self.adopt(existing, tick)
            if existing is not None:
                raise ProviderError(f"a VM named {spec.hostname} already exists")
            pool = template.runtime.host.parent.resourcePool
            clone_spec = vim.vm.CloneSpec(
                location=vim.vm.RelocateSpec(pool=pool), powerOn=False, template=False,
                config=vim.vm.ConfigSpec(annotation=clone_marker(spec.key)),
            )  # fmt: skip
            task = template.CloneVM_Task(folder=self.datacenter.vmFolder, name=spec.hostname,
                                         spec=clone_spec)  # fmt: skip
        self.log("INFO", f"Cloning template {spec.template} ({task._moId})")
        self.vm = self.wait(task, tick, "cloning the template")
        self.vm_id = self.vm._moId
        self.log("INFO", f"Cloned VM {spec.hostname} ({self.vm_id}), powered off")
        return str(self.vm_id)

    def cloned_by_this_deployment(self, vm: Any) -> bool:
        """A VM of the deployment's name that its own clone made (in an attempt that died):
        the clone spec writes the deployment's key in the VM's notes."""
        notes = getattr(vm.config, "annotation", None) or ""
        return bool(self.spec.key) and clone_marker(self.spec.key) in notes

    def adopt(self, vm: Any, tick: Tick) -> str:
        self.vm, self.vm_id = vm, vm._moId
        tick(1.0)
        self.log("INFO", f"Found VM {self.spec.hostname} ({self.vm_id}) cloned by an earlier "
                         f"attempt; not cloning again")  # fmt: skip
        return str(self.vm_id)

    def configure_hardware(self, tick: Tick) -> None:
        spec = self.spec
        wanted_kb = spec.disk_gb * 1024 * 1024
        with translated("reading the VM's hardware"):
            disks = self.devices(vim.vm.device.VirtualDisk)
        changes = []
        if disks:
            disk = disks[0]
            if disk.capacityInKB > wanted_kb:
                raise ProviderError(
                    f"the template's disk is {disk.capacityInKB // 1024**2} GB, more than the "
                    f"{spec.disk_gb} GB asked for (disks cannot shrink)"
                )
            if disk.capacityInKB < wanted_kb:
                disk.capacityInKB = wanted_kb
                disk.capacityInBytes = wanted_kb * 1024
                changes.append(vim.vm.device.VirtualDeviceSpec(
                    operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=disk
                ))  # fmt: skip
        config = vim.vm.ConfigSpec(numCPUs=spec.cpu, memoryMB=spec.memory_gb * 1024,
                                   deviceChange=changes)  # fmt: skip
        with translated("reconfiguring the hardware"):
            task = self.vm.ReconfigVM_Task(spec=config)
        self.wait(task, tick, "reconfiguring the hardware")
        self.log("INFO", f"Set {spec.cpu} vCPU, {spec.memory_gb} GB memory, {spec.disk_gb} GB disk")

    def configure_network(self, tick: Tick) -> None:
        spec = self.spec
        with translated(f"looking up network {spec.network}"):
            network = self.find(self.datacenter.networkFolder, vim.Network, spec.network)
            if network is None:
                raise ProviderError(f"network {spec.network!r} not found in {spec.datacenter}")
            nics = self.devices(vim.vm.device.VirtualEthernetCard)
            if not nics:
                raise ProviderError("the VM has no network adapter")
            nic = nics[0]
            nic.backing = nic_backing(network)
            nic.connectable = vim.vm.device.VirtualDevice.ConnectInfo(
                startConnected=True, allowGuestControl=True, connected=False
            )
            change = vim.vm.device.VirtualDeviceSpec(
                operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=nic
            )
            task = self.vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[change]))
        self.wait(task, scaled(tick, 0.0, 0.5), "connecting the network adapter")
        with translated("customizing the guest"):
            task = self.vm.CustomizeVM_Task(spec=customization(spec))
        self.wait(task, scaled(tick, 0.5, 1.0), "customizing the guest")
        addressing = f"static IP {spec.ip_address}" if spec.ip_address else "DHCP"
        self.log("INFO", f"Connected the NIC to {spec.network}, {addressing}")

    def power_on(self, tick: Tick) -> None:
        with translated("powering on"):
            task = self.vm.PowerOnVM_Task()
        self.wait(task, tick, "powering on")
        self.log("INFO", f"VM {self.vm_id} powered on")

    def wait_for_guest(self, tick: Tick) -> str:
        started = time.monotonic()
        warned = False
        while True:
            with translated("reading the guest's state"):
                guest = self.vm.guest
                running = guest.toolsRunningStatus == "guestToolsRunning"
                address = usable_address(guest.ipAddress) if running else None
            if address:
                self.log("INFO", f"Guest tools running; IP address {address}")
                return address
            elapsed = time.monotonic() - started
            if elapsed > self.guest_timeout:
                raise ProviderError(f"no IP address from the guest tools after "
                                    f"{self.guest_timeout:.0f} s")  # fmt: skip
            if not warned and elapsed > self.guest_timeout / 2:
                warned = True
                self.log("WARNING", f"Still waiting for the guest tools after {elapsed:.0f} s")
            tick(min(0.95, elapsed / self.guest_timeout))
            time.sleep(self.poll_seconds)

    def post_configure(self, tick: Tick) -> None:
        note = f"Deployed by TaskPulse on {date.today().isoformat()} as {self.spec.hostname}"
        with translated("writing the VM's notes"):
            task = self.vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation=note))
        self.wait(task, tick, "writing the VM's notes")
        self.log("INFO", "Wrote the VM's notes")

    def verify(self, tick: Tick) -> None:
        spec = self.spec
        with translated("verifying the VM"):
            hardware = self.vm.config.hardware
            problems = []
            if self.vm.runtime.powerState != vim.VirtualMachine.PowerState.poweredOn:
                problems.append(f"power state is {self.vm.runtime.powerState}")
            if hardware.numCPU != spec.cpu:
                problems.append(f"{hardware.numCPU} vCPU instead of {spec.cpu}")
            if hardware.memoryMB != spec.memory_gb * 1024:
                problems.append(f"{hardware.memoryMB} MB memory instead of {spec.memory_gb} GB")
            address = self.vm.guest.ipAddress
        if spec.ip_address and address != spec.ip_address:
            problems.append(f"IP address is {address}, not {spec.ip_address}")
        if problems:
            raise ProviderError("the VM is not as asked: " + "; ".join(problems))
        tick(1.0)
        self.log("INFO", f"VM {spec.hostname} is powered on with the hardware asked for")

    def close(self) -> None:
        if self.si is not None:
            Disconnect(self.si)
            self.si = None


def clone_marker(key: str) -> str:
    """What a clone writes in the VM's notes, until post-configuration writes its own."""
    return f"TaskPulse deployment {key}" if key else "TaskPulse deployment"


def nic_backing(network: Any) -> Any:
    """A standard port group is named; a distributed one is joined by switch and key."""
    if isinstance(network, vim.dvs.DistributedVirtualPortgroup):
        switch = network.config.distributedVirtualSwitch
        if switch is None:
            raise ProviderError(f"port group {network.name!r} belongs to no distributed switch")
        port = vim.dvs.PortConnection(portgroupKey=network.key, switchUuid=switch.uuid)
        return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
    return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
        deviceName=network.name, network=network
    )


def customization(spec: DeploySpec) -> Any:
    """Linux guest customization: the hostname, and a static IPv4 address or DHCP."""
    if spec.ip_address and ipaddress.ip_address(spec.ip_address).version != 4:
        raise ProviderError("the vsphere provider sets static IPv4 addresses only")
    custom = vim.vm.customization
    name, _, domain = spec.hostname.partition(".")
    if spec.ip_address:
        adapter = custom.IPSettings(
            ip=custom.FixedIp(ipAddress=spec.ip_address), subnetMask=STATIC_NETMASK
        )
    else:
        adapter = custom.IPSettings(ip=custom.DhcpIpGenerator())
    return custom.Specification(
        identity=custom.LinuxPrep(hostName=custom.FixedName(name=name),
                                  domain=domain or "localdomain"),
        globalIPSettings=custom.GlobalIPSettings(),
        nicSettingMap=[custom.AdapterMapping(adapter=adapter)],
    )  # fmt: skip


def usable_address(value: str | None) -> str | None:
    """The guest's address, unless it is none yet or only link-local."""
    try:
        address = ipaddress.ip_address(value or "")
    except ValueError:
        return None
    return None if address.is_link_local or address.is_unspecified else str(address)
