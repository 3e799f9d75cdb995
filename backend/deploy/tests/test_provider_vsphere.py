"""The vsphere provider against real pyVmomi types, with a vCenter in memory (no network)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyVmomi import vim, vmodl

from deploy.providers import ProviderError, TransientProviderError
from deploy.providers.base import DeploySpec
from deploy.providers.vsphere import VSphereProvider
from deploy.steps import STEPS
from deploy.tests.fake_vcenter import GB_IN_KB, FakeVCenter
from task_manager.tracking import TaskCancelled

BACKEND = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def vsphere_settings(settings: Any) -> None:
    settings.TASKPULSE_VSPHERE_HOSTS = ["vcenter.lab.example"]
    settings.TASKPULSE_VSPHERE_USER = "svc-taskpulse"
    settings.TASKPULSE_VSPHERE_PASSWORD = "not-a-real-password"


def spec(**fields: Any) -> DeploySpec:
    values: dict[str, Any] = {
        "hostname": "web-01.lab.example", "vcenter_host": "vcenter.lab.example",
        "datacenter": "DC1", "template": "ubuntu-22.04", "network": "VM Network",
        "cpu": 4, "memory_gb": 8, "disk_gb": 50, "ip_address": "",
    }  # fmt: skip
    return DeploySpec(**{**values, **fields})


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.ticks: list[float] = []

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))

    def tick(self, fraction: float) -> None:
        self.ticks.append(fraction)


def provider(vc: FakeVCenter, recorder: Recorder | None = None, **fields: Any) -> VSphereProvider:
    recorder = recorder or Recorder()
    return VSphereProvider(
        spec(**fields), log=recorder.log, connector=lambda host: vc.si, poll_seconds=0,
        guest_timeout=5,
    )  # fmt: skip


def run_all(p: VSphereProvider, recorder: Recorder) -> dict[str, Any]:
    outcomes = {each.key: getattr(p, each.key)(recorder.tick) for each in STEPS}
    p.close()
    return outcomes


def test_the_eight_steps_build_the_vm_asked_for_with_real_pyvmomi_specs() -> None:
    vc, recorder = FakeVCenter(), Recorder()
    p = provider(vc, recorder)

    outcomes = run_all(p, recorder)

    vm = vc.vm_named("web-01.lab.example")
    assert outcomes["clone"] == vm._moId
    assert outcomes["wait_for_guest"] == "192.0.2.50"
    hardware = vm.config.hardware
    assert (hardware.numCPU, hardware.memoryMB) == (4, 8 * 1024)
    assert hardware.device[0].capacityInKB == 50 * GB_IN_KB
    assert hardware.device[1].backing.network == vc.network
    assert vm.runtime.powerState == "poweredOn"
    assert vm.config.annotation.startswith("Deployed by TaskPulse")
    clone = next(args for name, _, args in vc.calls if name == "CloneVM_Task")
    _folder, name, clone_spec = clone
    assert isinstance(clone_spec, vim.vm.CloneSpec)
    assert (name, clone_spec.powerOn, clone_spec.template) == ("web-01.lab.example", False, False)
    assert clone_spec.location.pool is not None
    assert clone_spec.location.pool._moId == "resgroup-1"
    identity = vc.customization.identity
    assert (identity.hostName.name, identity.domain) == ("web-01", "lab.example")
    assert isinstance(vc.customization.nicSettingMap[0].adapter.ip,
                      vim.vm.customization.DhcpIpGenerator)  # fmt: skip
    assert ("INFO", "Connected to vCenter vcenter.lab.example (VMware vCenter Server 8.0.2 "
            "build-22385739)") in recorder.lines  # fmt: skip
    assert recorder.ticks[-1] == 1.0
    assert vc.dropped  # close() logged out


def test_a_static_ipv4_address_is_customized_and_verified() -> None:
    vc, recorder = FakeVCenter(), Recorder()

    outcomes = run_all(provider(vc, recorder, ip_address="192.0.2.77"), recorder)

    ip_settings = vc.customization.nicSettingMap[0].adapter
    assert ip_settings.ip.ipAddress == "192.0.2.77"
    assert ip_settings.subnetMask == "255.255.255.0"
    assert outcomes["wait_for_guest"] == "192.0.2.77"


def test_a_static_ipv6_address_is_refused_at_the_network_step() -> None:
    vc, recorder = FakeVCenter(), Recorder()
    p = provider(vc, recorder, ip_address="2001:db8::5")
    for each in STEPS[:3]:
        getattr(p, each.key)(recorder.tick)

    with pytest.raises(ProviderError, match="IPv4 addresses only"):
        p.configure_network(recorder.tick)


def test_a_vcenter_not_listed_never_gets_the_credentials(settings: Any) -> None:
    vc = FakeVCenter()
    seen: list[str] = []
    p = VSphereProvider(spec(vcenter_host="evil.example"), connector=seen.append)

    with pytest.raises(ProviderError, match="not in TASKPULSE_VSPHERE_HOSTS"):
        p.connect(Recorder().tick)
    assert seen == []
    assert vc.calls == []


@pytest.mark.parametrize(
    ("fault", "kind", "text"),
    [
        (vim.fault.InvalidLogin(msg="Cannot complete login"), ProviderError, "'svc-taskpulse'"),
        (vmodl.fault.HostCommunication(msg="no answer"), TransientProviderError, "no answer"),
        (ConnectionRefusedError(111, "Connection refused"), TransientProviderError, "refused"),
        (TimeoutError("timed out"), TransientProviderError, "timed out"),
    ],
)
def test_connect_sorts_faults_into_transient_and_permanent(
    fault: Exception, kind: type[Exception], text: str
) -> None:
    def connector(host: str) -> Any:
        raise fault

    p = VSphereProvider(spec(), connector=connector)

    with pytest.raises(ProviderError, match=text) as raised:
        p.connect(Recorder().tick)
    assert type(raised.value) is kind


def test_an_untrusted_certificate_is_permanent_and_says_what_to_do() -> None:
    import ssl

    def connector(host: str) -> Any:
        error = ssl.SSLCertVerificationError(1, "certificate verify failed")
        error.verify_message = "self-signed certificate"
        raise error

    with pytest.raises(ProviderError, match="TASKPULSE_VSPHERE_VERIFY_SSL") as raised:
        VSphereProvider(spec(), connector=connector).connect(Recorder().tick)
    assert not isinstance(raised.value, TransientProviderError)


def test_missing_datacenter_template_and_network_are_named() -> None:
    recorder = Recorder()
    with pytest.raises(ProviderError, match="datacenter 'DC9' not found"):
        provider(FakeVCenter(), datacenter="DC9").connect(recorder.tick)

    p = provider(FakeVCenter(), template="centos-9")
    p.connect(recorder.tick)
    with pytest.raises(ProviderError, match="template 'centos-9' not found"):
        p.clone(recorder.tick)

    p = provider(FakeVCenter(), network="Storage")
    for each in STEPS[:3]:
        getattr(p, each.key)(recorder.tick)
    with pytest.raises(ProviderError, match="network 'Storage' not found"):
        p.configure_network(recorder.tick)


def test_a_vm_with_the_same_name_is_never_cloned_twice() -> None:
    vc = FakeVCenter()
    vc.new_vm("vm-7", "web-01.lab.example", disk_gb=20)
    p = provider(vc)
    p.connect(Recorder().tick)

    with pytest.raises(ProviderError, match="already exists"):
        p.clone(Recorder().tick)
    assert "CloneVM_Task" not in [name for name, _, _ in vc.calls]


def test_a_failed_vcenter_task_names_its_fault() -> None:
    vc = FakeVCenter()
    vc.fail_task["PowerOnVM_Task"] = vim.fault.InsufficientResourcesFault(
        msg="Insufficient resources to satisfy configured failover level"
    )
    p = provider(vc)
    for each in STEPS[:4]:
        getattr(p, each.key)(Recorder().tick)

    with pytest.raises(ProviderError, match="powering on: Insufficient resources") as raised:
        p.power_on(Recorder().tick)
    assert not isinstance(raised.value, TransientProviderError)


def test_a_busy_vm_is_a_transient_error() -> None:
    vc = FakeVCenter()
    vc.fail_task["ReconfigVM_Task"] = vim.fault.TaskInProgress(msg="Another task is running")
    p = provider(vc)
    p.connect(Recorder().tick)
    p.clone(Recorder().tick)

    with pytest.raises(TransientProviderError, match="Another task is running"):
        p.configure_hardware(Recorder().tick)


def test_a_disk_is_never_shrunk() -> None:
    p = provider(FakeVCenter(template_disk_gb=100), disk_gb=50)
    p.connect(Recorder().tick)
    p.clone(Recorder().tick)

    with pytest.raises(ProviderError, match="disks cannot shrink"):
        p.configure_hardware(Recorder().tick)


def test_a_cancel_during_a_vcenter_task_cancels_that_task() -> None:
    vc = FakeVCenter()
    p = provider(vc)
    p.connect(Recorder().tick)

    def cancelled(fraction: float) -> None:
        raise TaskCancelled()

    with pytest.raises(TaskCancelled):
        p.clone(cancelled)
    assert "CancelTask" in [name for name, _, _ in vc.calls]


def test_a_resumed_attempt_attaches_to_the_vm_cloned_before() -> None:
    vc = FakeVCenter()
    first = provider(vc)
    first.connect(Recorder().tick)
    vm_id = first.clone(Recorder().tick)

    second = provider(vc)
    second.connect(Recorder().tick)
    second.attach(vm_id)
    second.configure_hardware(Recorder().tick)

    assert vc.vm_named("web-01.lab.example").config.hardware.numCPU == 4
    third = provider(vc)
    third.connect(Recorder().tick)
    with pytest.raises(ProviderError, match="finding VM vm-999"):
        third.attach("vm-999")


def test_verify_names_every_difference() -> None:
    vc = FakeVCenter()
    p = provider(vc)
    for each in STEPS[:7]:
        getattr(p, each.key)(Recorder().tick)
    vc.vm_named("web-01.lab.example").config.hardware.numCPU = 2

    with pytest.raises(ProviderError, match="2 vCPU instead of 4"):
        p.verify(Recorder().tick)


def test_waiting_for_the_guest_times_out_with_a_warning_first() -> None:
    vc, recorder = FakeVCenter(), Recorder()
    vc.guest_reads_before_ip = 10**9
    p = VSphereProvider(spec(), log=recorder.log, connector=lambda host: vc.si,
                        poll_seconds=0.01, guest_timeout=0.2)  # fmt: skip
    for each in STEPS[:5]:
        getattr(p, each.key)(recorder.tick)

    with pytest.raises(ProviderError, match="no IP address"):
        p.wait_for_guest(recorder.tick)
    assert any(level == "WARNING" for level, _ in recorder.lines)


def test_without_pyvmomi_the_provider_says_which_package_to_install() -> None:
    script = (
        "import sys; sys.modules['pyVmomi'] = None; sys.modules['pyVim'] = None\n"
        "sys.modules['pyVim.connect'] = None\n"
        "import django; django.setup()\n"
        "from deploy.providers import create_provider, ProviderError\n"
        "from deploy.providers.base import DeploySpec\n"
        "spec = DeploySpec('a', 'b', 'c', 'd', 'e', 1, 1, 1)\n"
        "try:\n"
        "    create_provider('vsphere', spec, log=print, attempt=1)\n"
        "except ProviderError as exc:\n"
        "    print('ERROR', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=BACKEND, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "ERROR the vsphere provider needs the optional package 'pyvmomi'" in done.stdout
    assert "pip install 'taskpulse[vsphere]'" in done.stdout


def test_a_clone_repeated_after_a_crash_adopts_the_vm_its_deployment_made() -> None:
    vc = FakeVCenter()
    first = provider(vc, key="task-1")
    first.connect(Recorder().tick)
    vm_id = first.clone(Recorder().tick)  # then the worker dies, before the history knew
    recorder = Recorder()
    again = provider(vc, recorder, key="task-1")
    again.connect(recorder.tick)

    assert again.clone(recorder.tick) == vm_id
    assert [name for name, _, _ in vc.calls].count("CloneVM_Task") == 1
    assert recorder.lines[-1] == ("INFO", f"Found VM web-01.lab.example ({vm_id}) cloned by an "
                                          "earlier attempt; not cloning again")  # fmt: skip
    again.configure_hardware(recorder.tick)  # the adopted VM is the one worked on
    assert vc.vm_named("web-01.lab.example").config.hardware.numCPU == 4
    other = provider(vc, key="task-2")  # another deployment of the same name
    other.connect(Recorder().tick)
    with pytest.raises(ProviderError, match="already exists"):
        other.clone(Recorder().tick)
