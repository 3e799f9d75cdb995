"""The simulator: its pace, and deterministic fault injection."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import pytest

from deploy.models import SimulatedVM
from deploy.providers import ProviderError, TransientProviderError, create_provider
from deploy.providers.base import DeploySpec
from deploy.providers.simulator import NOMINAL_SECONDS, SLOW_FACTOR, SimulatorProvider
from deploy.steps import STEPS


def spec(**fields: Any) -> DeploySpec:
    values: dict[str, Any] = {
        "hostname": "web-01", "vcenter_host": "vcenter.lab", "datacenter": "DC1",
        "template": "ubuntu", "network": "VM Network", "cpu": 2, "memory_gb": 4, "disk_gb": 40,
    }  # fmt: skip
    return DeploySpec(**{**values, **fields})


def run(provider: SimulatorProvider) -> dict[str, Any]:
    return {each.key: getattr(provider, each.key)(lambda fraction: None) for each in STEPS}


def test_a_deployment_takes_45_seconds_at_speed_1_and_a_tenth_at_speed_10() -> None:
    at_1 = SimulatorProvider(spec(), speed=1)
    at_10 = SimulatorProvider(spec(), speed=10)

    assert sum(at_1.step_seconds(each) for each in STEPS) == 45
    assert 30 <= sum(NOMINAL_SECONDS.values()) <= 60
    assert sum(at_10.step_seconds(each) for each in STEPS) == pytest.approx(4.5)


def test_the_speed_comes_from_the_setting(settings: Any) -> None:
    settings.TASKPULSE_SIMULATOR_SPEED = 200

    provider = create_provider("simulator", spec(), log=lambda *a: None, attempt=1)

    assert isinstance(provider, SimulatorProvider)
    assert provider.step_seconds(STEPS[1]) == pytest.approx(14 / 200)


def test_step_seconds_overrides_the_pace_and_slow_step_multiplies_one_step() -> None:
    provider = SimulatorProvider(spec(simulate={"step_seconds": 0.5, "slow_step": 3}), speed=1)

    assert [provider.step_seconds(each) for each in STEPS] == [
        0.5, 0.5, 0.5 * SLOW_FACTOR, 0.5, 0.5, 0.5, 0.5, 0.5,
    ]  # fmt: skip


def test_a_run_reports_what_it_did_and_ticks_up_to_one() -> None:
    lines: list[tuple[str, str]] = []
    ticks: list[float] = []
    provider = SimulatorProvider(
        spec(simulate={"step_seconds": 0.06, "slow_step": 2}),
        log=lambda level, message: lines.append((level, message)),
    )
    started = time.monotonic()

    outcomes = {each.key: getattr(provider, each.key)(ticks.append) for each in STEPS}

    elapsed = time.monotonic() - started
    assert 7 * 0.06 + 0.06 * SLOW_FACTOR <= elapsed < 2.0
    assert outcomes["clone"].startswith("sim-vm-")
    assert ipaddress.ip_address(outcomes["wait_for_guest"]) in ipaddress.ip_network("10.0.0.0/8")
    assert ("WARNING", "Clone VM from template is slow today (about 0.2 s)") in lines
    assert ("INFO", "Set 2 vCPU, 4 GB memory, 40 GB disk") in lines
    assert ticks.count(1.0) >= len(STEPS)  # every step ends at 1
    assert ticks[-1] == 1.0
    assert all(0 <= tick <= 1 for tick in ticks)


def test_a_static_address_is_the_guest_address_and_dhcp_is_stable_per_host() -> None:
    static = run(SimulatorProvider(spec(ip_address="192.0.2.9", simulate={"step_seconds": 0})))
    first = run(SimulatorProvider(spec(simulate={"step_seconds": 0})))
    again = run(SimulatorProvider(spec(simulate={"step_seconds": 0})))

    assert static["wait_for_guest"] == "192.0.2.9"
    assert first["wait_for_guest"] == again["wait_for_guest"]


def test_fail_at_step_fails_that_step_permanently() -> None:
    provider = SimulatorProvider(spec(simulate={"fail_at_step": 5, "step_seconds": 0}))
    for each in STEPS[:4]:
        getattr(provider, each.key)(lambda fraction: None)

    with pytest.raises(ProviderError, match="not enough resources") as raised:
        provider.power_on(lambda fraction: None)
    assert not isinstance(raised.value, TransientProviderError)


@pytest.mark.parametrize(("attempt", "fails"), [(1, True), (2, True), (3, False)])
def test_transient_failures_fail_the_first_n_attempts(attempt: int, fails: bool) -> None:
    options = {"fail_at_step": 2, "transient_failures": 2, "step_seconds": 0}
    provider = SimulatorProvider(spec(simulate=options), attempt=attempt)
    provider.connect(lambda fraction: None)

    if fails:
        with pytest.raises(TransientProviderError, match=f"attempt {attempt}"):
            provider.clone(lambda fraction: None)
    else:
        assert provider.clone(lambda fraction: None).startswith("sim-vm-")


def test_transient_failures_without_a_step_hit_the_connection() -> None:
    provider = SimulatorProvider(spec(simulate={"transient_failures": 1, "step_seconds": 0}))

    with pytest.raises(TransientProviderError):
        provider.connect(lambda fraction: None)


def test_a_tick_that_raises_stops_the_step_at_once() -> None:
    provider = SimulatorProvider(spec(simulate={"step_seconds": 30}))

    def cancel(fraction: float) -> None:
        raise RuntimeError("cancelled")

    started = time.monotonic()
    with pytest.raises(RuntimeError):
        provider.clone(cancel)
    assert time.monotonic() - started < 1


@pytest.mark.django_db
def test_a_clone_repeated_for_the_same_deployment_finds_the_vm_instead_of_cloning() -> None:
    lines: list[tuple[str, str]] = []
    first = SimulatorProvider(spec(key="task-1", simulate={"step_seconds": 0}))
    again = SimulatorProvider(
        spec(key="task-1", simulate={"step_seconds": 0}),
        log=lambda level, message: lines.append((level, message)),
    )
    other = SimulatorProvider(spec(key="task-2", simulate={"step_seconds": 0}))

    vm_id = first.clone(lambda fraction: None)

    assert again.clone(lambda fraction: None) == vm_id
    assert lines == [("INFO", f"Found VM web-01 ({vm_id}) cloned by an earlier attempt; "
                              "not cloning again")]  # fmt: skip
    assert other.clone(lambda fraction: None) != vm_id  # another deployment, another VM
    assert SimulatedVM.objects.filter(name="web-01").count() == 2
