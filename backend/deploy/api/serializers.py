"""Validation of a deployment's params (POST deployments and the "Deploy VM" template alike),
and the OpenAPI description of what the deploy API answers."""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

from deploy import params as p
from deploy.models import DeploymentHistory, DeploymentStatus
from deploy.payloads import deployment_data
from deploy.providers import configured_provider

HOSTNAME = re.compile(p.HOSTNAME_PATTERN)
NAME = re.compile(p.NAME_PATTERN)


class Text(serializers.CharField):
    """A string field that refuses numbers and booleans instead of converting them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class ClosedSerializer(serializers.Serializer):
    """Unknown keys are errors, not silently dropped (a typo in `simulate` must not pass)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


HOSTNAME_MESSAGE = (
    "Not a valid hostname (RFC 1123): letters, digits and hyphens in dot-separated labels of "
    "1-63 characters, none starting or ending with a hyphen."
)


def is_hostname(value: str) -> bool:
    return bool(HOSTNAME.fullmatch(value))


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def name_field() -> Text:
    return Text(max_length=p.NAME_MAX, trim_whitespace=False)


def limited(name: str) -> serializers.IntegerField:
    low, high = p.LIMITS[name]
    return serializers.IntegerField(min_value=low, max_value=high)


def simulated(name: str) -> serializers.IntegerField:
    low, high = p.SIMULATE_LIMITS[name]
    return serializers.IntegerField(min_value=low, max_value=high, required=False)


class SimulateSerializer(ClosedSerializer):
    """Fault injection for the simulator (see deploy.providers.simulator)."""

    fail_at_step = simulated("fail_at_step")
    transient_failures = simulated("transient_failures")
    slow_step = simulated("slow_step")
    step_seconds = serializers.FloatField(min_value=0, max_value=p.STEP_SECONDS_MAX, required=False)

    def validate_step_seconds(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError("A valid number is required.")
        return value


class DeploymentCreateSerializer(ClosedSerializer):
    hostname = Text(max_length=p.HOSTNAME_MAX, trim_whitespace=False)
    vcenter_host = Text(max_length=p.HOSTNAME_MAX, trim_whitespace=False)
    datacenter = name_field()
    template = name_field()
    network = name_field()
    cpu = limited("cpu")
    memory_gb = limited("memory_gb")
    disk_gb = limited("disk_gb")
    ip_address = serializers.IPAddressField(
        protocol="both", required=False, allow_blank=True, default="",
        help_text="A static IPv4 or IPv6 address; empty for DHCP.",
    )  # fmt: skip
    simulate = SimulateSerializer(required=False, default=dict)

    def validate_hostname(self, value: str) -> str:
        if not is_hostname(value):
            raise serializers.ValidationError(HOSTNAME_MESSAGE)
        return value

    def validate_vcenter_host(self, value: str) -> str:
        if not is_hostname(value) and not is_ip_address(value):
            raise serializers.ValidationError("Not a valid hostname or IP address.")
        if configured_provider() == "vsphere":
            allowed = {host.lower() for host in settings.TASKPULSE_VSPHERE_HOSTS}
            if value.lower() not in allowed:
                raise serializers.ValidationError(
                    "Not one of the vCenters this server may use (TASKPULSE_VSPHERE_HOSTS)."
                )
        return value

    def validate_datacenter(self, value: str) -> str:
        return inventory_name(value)

    def validate_template(self, value: str) -> str:
        return inventory_name(value)

    def validate_network(self, value: str) -> str:
        return inventory_name(value)

    def validate_simulate(self, value: dict[str, Any]) -> dict[str, Any]:
        provider = configured_provider()
        if value and provider != "simulator":
            raise serializers.ValidationError(
                f"Fault injection needs the simulator; this server deploys with {provider}."
            )
        return dict(value)


def inventory_name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise serializers.ValidationError(
            "Not a valid vSphere name: no control characters, not only spaces."
        )
    return value


# --- what the API answers (for the OpenAPI schema) ----------------------------------------


class DeploymentLaunchedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    task_id = serializers.CharField()
    history_id = serializers.IntegerField()
    execution_id = serializers.IntegerField()
    provider = serializers.CharField()
    message = serializers.CharField()


class DeploymentSerializer(serializers.Serializer):
    """A deployment; the data is always `deploy.payloads.deployment_data`."""

    id = serializers.IntegerField()
    hostname = serializers.CharField()
    provider = serializers.CharField(help_text="Who ran it: simulator or vsphere.")
    status = serializers.ChoiceField(choices=DeploymentStatus.choices)
    params = serializers.DictField()
    result = serializers.DictField(allow_null=True, help_text="vm_id and ip_address.")
    error = serializers.CharField(allow_null=True)
    last_step = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    task_id = serializers.CharField()
    execution_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    execution = serializers.DictField(allow_null=True, help_text="The execution resource.")

    def to_representation(self, instance: DeploymentHistory) -> dict[str, Any]:
        return deployment_data(instance)


class DeploymentQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeploymentStatus.choices, required=False)


class TaskProgressSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    state = serializers.CharField(help_text="The execution's status (Celery's states).")
    status = serializers.CharField(help_text="pending, running, success, failed or cancelled.")
    current_step = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    percent = serializers.IntegerField()
    message = serializers.CharField()
    history_id = serializers.IntegerField()
