"""Flower as `make run` starts it: its command line, and its credentials in its environment.

Flower reads every option from a FLOWER_<OPTION> variable as well as from --option (its
command.apply_env_options): the basic-auth credentials go by FLOWER_BASIC_AUTH, so that
they are never on a command line, which `ps` shows to every user of the machine.
"""

from __future__ import annotations

import sys

from config.env import EnvError

# Flower keeps this many tasks in memory (its default, 100000, grows it without need:
# TaskPulse keeps the history in its database).
FLOWER_MAX_TASKS = 10000


def flower_argv(host: str, port: int) -> list[str]:
    """Served to staff by the web process at /flower/ (cluster/flower_proxy.py); bound to
    FLOWER_URL's host, loopback by default: Flower answers /metrics and /healthcheck without
    authentication (by design, in every 2.x), so its port must stay internal."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "flower", f"--address={host}",
        f"--port={port}", "--url_prefix=flower", f"--max_tasks={FLOWER_MAX_TASKS}",
    ]  # fmt: skip


def flower_env(user: str, password: str) -> dict[str, str]:
    """Flower's own basic auth, by environment."""
    for name, value in (("FLOWER_USER", user), ("FLOWER_PASSWORD", password)):
        if "," in value:  # Flower splits the variable on commas into user:password pairs
            raise EnvError(name, "must not contain a comma")
    return {"FLOWER_BASIC_AUTH": f"{user}:{password}"}
