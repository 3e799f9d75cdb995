"""The environment variable names TaskPulse reads, for the deployment files' tests
(docker-compose.yml in test_compose.py, kubernetes/ in test_kubernetes.py).

The names are found by scanning the source, so these tests stay true as the settings grow.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path

from config.env import REPO_DIR, Env

BACKEND_DIR = REPO_DIR / "backend"

# Read by the processes rather than by the settings: billiard/Celery (REMAP_SIGTERM),
# Django (DJANGO_SETTINGS_MODULE), config.env (TASKPULSE_VAR_DIR), ensure_admin, Flower
# (FLOWER_BASIC_AUTH, its --basic_auth), uvicorn (FORWARDED_ALLOW_IPS, the peers whose
# X-Forwarded-For and X-Forwarded-Proto it trusts).
PROCESS_NAMES = frozenset(
    {
        "REMAP_SIGTERM",
        "FLOWER_BASIC_AUTH",
        "DJANGO_SETTINGS_MODULE",
        "TASKPULSE_VAR_DIR",
        "TASKPULSE_ADMIN_PASSWORD",
        "FORWARDED_ALLOW_IPS",
    }
)

# The Celery broker's URL, which the deployments set to their RabbitMQ: the settings take the
# broker from it where they read it (else the broker is REDIS_URL). Each deployment's tests
# check that the settings read it, and skip saying so while they do not.
BROKER_URL_NAME = "CELERY_BROKER_URL"

_NAME = r"[\"'](?P<name>[A-Z][A-Z0-9_]*)[\"']"
_OS_ENVIRON = re.compile(
    r"\bos\.(?:environ(?:\.(?:get|setdefault|pop))?|getenv)\s*[\[(]\s*" + _NAME
)


def _python_sources(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.rglob("*.py"))
        if not {"tests", "migrations", "node_modules", ".venv"} & set(path.parts)
    ]


@cache
def names_read_by_settings() -> frozenset[str]:
    """Every variable name the settings (through Env) and the backend code (os.environ) read."""
    methods = {
        name: inspect.signature(member)
        for name, member in vars(Env).items()
        if callable(member) and not name.startswith("_")
    }
    call = re.compile(r"\benv\.(?P<method>" + "|".join(methods) + r")\(\s*(?:" + _NAME + r")?")
    names: set[str] = set()
    settings_sources = [
        *sorted((BACKEND_DIR / "config" / "settings").glob("*.py")),
        BACKEND_DIR / "config" / "env.py",
    ]
    for path in settings_sources:
        for match in call.finditer(path.read_text()):
            if match["name"]:
                names.add(match["name"])
                continue
            # env.database(...) and env.redis_url(...) fall back to their default name.
            parameter = methods[match["method"]].parameters.get("name")
            if parameter is not None and isinstance(parameter.default, str):
                names.add(parameter.default)
    for path in _python_sources(BACKEND_DIR):
        names.update(match["name"] for match in _OS_ENVIRON.finditer(path.read_text()))
    return frozenset(names)


def names_a_deployment_may_set() -> frozenset[str]:
    """What the settings or the processes read, and the broker's URL (see BROKER_URL_NAME)."""
    return names_read_by_settings() | PROCESS_NAMES | {BROKER_URL_NAME}


@cache
def names_required_by_production() -> frozenset[str]:
    """Variables without which config.settings.production refuses to load."""
    source = (BACKEND_DIR / "config" / "settings" / "production.py").read_text()
    pattern = r"ImproperlyConfigured\(\s*f?[\"'](?P<name>[A-Z][A-Z0-9_]*):"
    return frozenset(re.findall(pattern, source))
