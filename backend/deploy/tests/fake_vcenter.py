"""A vCenter in memory, behind real pyVmomi objects.

pyVmomi's managed objects (vim.VirtualMachine, vim.Task...) read their properties and call
their methods through a "stub" (the SOAP adapter). FakeStub answers from an inventory
instead, so the provider under test works with the real classes: method arguments are
type-checked by pyVmomi (a CloneVM_Task without a vim.vm.CloneSpec fails as it would
against vCenter), data objects are the real vim.vm.ConfigSpec and friends, and faults are
the real vim.fault / vmodl.fault classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyVmomi import vim, vmodl

GB_IN_KB = 1024 * 1024


class FakeStub:
    def __init__(self, vcenter: FakeVCenter) -> None:
        self.vcenter = vcenter
        self.properties: dict[str, dict[str, Any]] = {}

    def InvokeAccessor(self, mo: Any, info: Any) -> Any:
        try:
            value = self.properties[mo._moId][info.name]
        except KeyError:
            raise vmodl.fault.ManagedObjectNotFound(obj=mo) from None
        return value() if callable(value) else value

    def InvokeMethod(self, mo: Any, info: Any, args: list[Any]) -> Any:
        self.vcenter.calls.append((info.wsdlName, mo._moId, args))
        if fault := self.vcenter.raise_on.get(info.wsdlName):
            raise fault
        return getattr(self.vcenter, info.wsdlName)(mo, *args)

    def DropConnections(self) -> None:
        self.vcenter.dropped = True


class FakeVCenter:
    """One datacenter, one cluster, a Linux template, a port group; tasks end at once."""

    def __init__(
        self, *, datacenter: str = "DC1", template: str = "ubuntu-22.04",
        network: str = "VM Network", template_disk_gb: int = 20,
    ) -> None:  # fmt: skip
        self.stub = FakeStub(self)
        self.calls: list[tuple[str, str, list[Any]]] = []
        self.raise_on: dict[str, Exception] = {}  # method -> fault raised by the call
        self.fail_task: dict[str, Exception] = {}  # method -> fault its task ends with
        self.guest_ip = "192.0.2.50"  # what DHCP gives (TEST-NET-1: never routed)
        self.guest_reads_before_ip = 2
        self.dropped = False
        self.objects: list[Any] = []
        self.counter = 200
        self.customization: Any = None
        vm_folder = self.mo(vim.Folder, "group-v1", name="vm")
        network_folder = self.mo(vim.Folder, "group-n1", name="network")
        self.datacenter = self.mo(vim.Datacenter, "datacenter-1", name=datacenter,
                                  vmFolder=vm_folder, networkFolder=network_folder)  # fmt: skip
        pool = self.mo(vim.ResourcePool, "resgroup-1", name="Resources")
        cluster = self.mo(vim.ClusterComputeResource, "domain-c1", name="C1", resourcePool=pool)
        self.host = self.mo(vim.HostSystem, "host-1", name="esx-01", parent=cluster)
        self.network = self.mo(vim.Network, "network-1", name=network)
        self.template = self.new_vm("vm-100", template, disk_gb=template_disk_gb, template=True)
        self.content = vim.ServiceInstanceContent(
            rootFolder=self.mo(vim.Folder, "group-d1", name="Datacenters"),
            viewManager=self.mo(vim.view.ViewManager, "ViewManager"),
            sessionManager=self.mo(vim.SessionManager, "SessionManager"),
            about=vim.AboutInfo(fullName="VMware vCenter Server 8.0.2 build-22385739"),
        )
        self.si = vim.ServiceInstance("ServiceInstance", self.stub)

    # -- inventory --

    def mo(self, kind: Any, moid: str, **properties: Any) -> Any:
        obj = kind(moid, self.stub)
        self.stub.properties[moid] = properties
        self.objects.append(obj)
        return obj

    def props(self, obj: Any) -> dict[str, Any]:
        return self.stub.properties[obj._moId]

    def new_vm(self, moid: str, name: str, *, disk_gb: int, template: bool = False) -> Any:
        disk = vim.vm.device.VirtualDisk(key=2000, capacityInKB=disk_gb * GB_IN_KB)
        nic = vim.vm.device.VirtualVmxnet3(
            key=4000, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                deviceName="template-net"
            ),
        )  # fmt: skip
        hardware = vim.vm.VirtualHardware(numCPU=1, memoryMB=1024, device=[disk, nic])
        vm = self.mo(vim.VirtualMachine, moid, name=name,
                     config=vim.vm.ConfigInfo(template=template, hardware=hardware),
                     runtime=vim.vm.RuntimeInfo(powerState="poweredOff", host=self.host),
                     guest=vim.vm.GuestInfo(toolsRunningStatus="guestToolsNotRunning"))  # fmt: skip
        return vm

    def vm_named(self, name: str) -> Any:
        return next(o for o in self.objects if isinstance(o, vim.VirtualMachine) and o.name == name)

    def task(self, method: str, result: Any = None, apply: Callable[[], None] | None = None) -> Any:
        """A task that is running at the first two reads of its info, then done."""
        self.counter += 1
        moid = f"task-{self.counter}"
        fault = self.fail_task.get(method)
        infos = [vim.TaskInfo(key=moid, state="running", progress=p, cancelable=True)
                 for p in (10, 60)]  # fmt: skip
        if fault is not None:
            infos.append(vim.TaskInfo(key=moid, state="error", error=fault))
        else:
            infos.append(vim.TaskInfo(key=moid, state="success", progress=100, result=result))
            if apply is not None:
                apply()

        def info() -> Any:
            return infos.pop(0) if len(infos) > 1 else infos[0]

        return self.mo(vim.Task, moid, info=info)

    # -- the methods pyVmomi calls (wsdl names) --

    def RetrieveServiceContent(self, si: Any) -> Any:
        return self.content

    def CreateContainerView(self, manager: Any, container: Any, kinds: Any, recursive: bool) -> Any:
        found = [o for o in self.objects if isinstance(o, tuple(kinds))]
        self.counter += 1
        return self.mo(vim.view.ContainerView, f"session[1]view-{self.counter}", view=found)

    def DestroyView(self, view: Any) -> None:
        return None

    def CloneVM_Task(self, template: Any, folder: Any, name: str, spec: Any) -> Any:
        assert isinstance(spec, vim.vm.CloneSpec)
        self.counter += 1
        disk_kb = self.props(template)["config"].hardware.device[0].capacityInKB
        clone = None
        if "CloneVM_Task" not in self.fail_task:
            clone = self.new_vm(f"vm-{self.counter}", name, disk_gb=disk_kb // GB_IN_KB)
            if spec.config is not None and spec.config.annotation is not None:
                self.props(clone)["config"].annotation = spec.config.annotation
        return self.task("CloneVM_Task", result=clone)

    def ReconfigVM_Task(self, vm: Any, spec: Any) -> Any:
        def apply() -> None:
            config = self.props(vm)["config"]
            if spec.numCPUs is not None:
                config.hardware.numCPU = spec.numCPUs
            if spec.memoryMB is not None:
                config.hardware.memoryMB = spec.memoryMB
            if spec.annotation is not None:
                config.annotation = spec.annotation
            for change in spec.deviceChange:
                devices = config.hardware.device
                devices[[d.key for d in devices].index(change.device.key)] = change.device

        return self.task("ReconfigVM_Task", apply=apply)

    def CustomizeVM_Task(self, vm: Any, spec: Any) -> Any:
        self.customization = spec
        return self.task("CustomizeVM_Task")

    def PowerOnVM_Task(self, vm: Any, host: Any) -> Any:
        def apply() -> None:
            self.props(vm)["runtime"].powerState = "poweredOn"
            self.props(vm)["guest"] = self.booting_guest()

        return self.task("PowerOnVM_Task", apply=apply)

    def booting_guest(self) -> Callable[[], Any]:
        """The guest tools report an address after a few reads, as a booting VM does."""
        reads = {"count": 0}

        def guest() -> Any:
            reads["count"] += 1
            if reads["count"] <= self.guest_reads_before_ip:
                return vim.vm.GuestInfo(toolsRunningStatus="guestToolsNotRunning")
            ip = self.static_ip() or self.guest_ip
            return vim.vm.GuestInfo(toolsRunningStatus="guestToolsRunning", ipAddress=ip)

        return guest

    def static_ip(self) -> str | None:
        if self.customization is None:
            return None
        ip = self.customization.nicSettingMap[0].adapter.ip
        return ip.ipAddress if isinstance(ip, vim.vm.customization.FixedIp) else None

    def CancelTask(self, task: Any) -> None:
        return None

    def Logout(self, manager: Any) -> None:
        return None
