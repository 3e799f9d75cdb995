"""What a deployment's params may hold: one set of limits for the API serializer and for the
JSON Schema of the "Deploy VM" template (its data migration stores `params_schema()`)."""

from __future__ import annotations

from typing import Any

from deploy.steps import TOTAL_STEPS

# RFC 1123: dot-separated labels of letters, digits and hyphens, 1-63 characters each, not
# starting or ending with a hyphen; 253 characters in all.
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME_PATTERN = rf"^{LABEL}(?:\.{LABEL})*$"
HOSTNAME_MAX = 253
# vSphere inventory names: up to 80 characters, no control characters, not only spaces.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"
NAME_MAX = 80

LIMITS = {"cpu": (1, 64), "memory_gb": (1, 1024), "disk_gb": (1, 65536)}
SIMULATE_LIMITS = {
    "fail_at_step": (1, TOTAL_STEPS),
    "transient_failures": (0, 10),
    "slow_step": (1, TOTAL_STEPS),
}
# One step of a simulated deployment at most this long: 8 steps (one 4 times slower) stay
# within 11 minutes, so no simulated deployment holds a worker process for hours.
STEP_SECONDS_MAX = 60
REQUIRED = ["hostname", "vcenter_host", "datacenter", "template", "network",
            "cpu", "memory_gb", "disk_gb"]  # fmt: skip
DEFAULT_PARAMS = {"cpu": 2, "memory_gb": 4, "disk_gb": 40, "ip_address": ""}


def integer(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def name_schema(title: str) -> dict[str, Any]:
    return {"type": "string", "title": title, "minLength": 1, "maxLength": NAME_MAX,
            "pattern": NAME_PATTERN}  # fmt: skip


def params_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a deployment's params."""
    hostname = {"type": "string", "maxLength": HOSTNAME_MAX, "pattern": HOSTNAME_PATTERN}
    address = [{"format": "ipv4"}, {"format": "ipv6"}]
    simulate = {name: integer(*limits) for name, limits in SIMULATE_LIMITS.items()}
    simulate["step_seconds"] = {"type": "number", "minimum": 0, "maximum": STEP_SECONDS_MAX}
    return {
        "type": "object",
        "required": REQUIRED,
        "additionalProperties": False,
        "properties": {
            "hostname": {**hostname, "title": "Hostname (RFC 1123)"},
            "vcenter_host": {"type": "string", "title": "vCenter host",
                             "anyOf": [hostname, *address]},
            "datacenter": name_schema("Datacenter"),
            "template": name_schema("VM template"),
            "network": name_schema("Network"),
            "cpu": {**integer(*LIMITS["cpu"]), "title": "vCPU"},
            "memory_gb": {**integer(*LIMITS["memory_gb"]), "title": "Memory (GB)"},
            "disk_gb": {**integer(*LIMITS["disk_gb"]), "title": "Disk (GB)"},
            "ip_address": {"type": "string", "title": "Static IP (empty: DHCP)",
                           "anyOf": [{"maxLength": 0}, *address]},
            "simulate": {"type": "object", "title": "Simulator fault injection",
                         "additionalProperties": False, "properties": simulate},
        },
    }  # fmt: skip
