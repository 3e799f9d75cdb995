"""The Kubernetes manifests (kubernetes/): rendered by kustomize, every document validated
against the Kubernetes API's JSON schemas, and their wiring checked against the code.

Rendering needs `kubectl` (its built-in kustomize); no cluster. Validation is
kubernetes-validate's strict mode: the API's own schemas, with unknown fields refused, for
the oldest release the manifests are meant for and the newest the validator knows. What a
schema cannot know is checked here: that every variable is one the code reads, that every
reference (ConfigMap, Secret key, volume, selector, port name, `$(VAR)`) resolves, that the
probes hit the health endpoints, and that the commands are those of `make run`.
"""

from __future__ import annotations

import base64
import copy
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.urls import resolve

from config.env import REPO_DIR, VAR_DIR, Env
from config.tests.deployment_env import (
    BROKER_URL_NAME,
    names_a_deployment_may_set,
    names_read_by_settings,
    names_required_by_production,
)
from config.views import spa_index
from stack.__main__ import WORKER_OPTIONS, programs
from stack.flower import flower_argv
from stack.web import web_argv

KUBERNETES_DIR = REPO_DIR / "kubernetes"
OVERLAY = Path("overlays") / "example"
DOCKERFILE = REPO_DIR / "backend" / "Dockerfile"
COMPOSE_FILE = REPO_DIR / "docker-compose.yml"

# The oldest Kubernetes release the manifests are meant for, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())
LIVENESS_PATH = "/api/health/live/"
READINESS_PATH = "/api/health/ready/"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
VARIABLE = re.compile(r"(?<!\$)\$\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)")

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed: its built-in kustomize renders kubernetes/"
)

Doc = dict[str, Any]


# --- Rendering ------------------------------------------------------------------------------


def kustomize(folder: Path) -> list[Doc]:
    assert KUBECTL is not None
    result = subprocess.run(
        [KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@cache
def rendered(which: str) -> tuple[Doc, ...]:
    """The base alone, or the example overlay with its secret.env made from the example
    (secret.env is the operator's and kept out of git), rendered from a copy of kubernetes/."""
    with tempfile.TemporaryDirectory() as folder:
        copied = Path(folder) / "kubernetes"
        shutil.copytree(KUBERNETES_DIR, copied, ignore=shutil.ignore_patterns("secret.env"))
        if which == "base":
            return tuple(kustomize(copied / "base"))
        shutil.copy(copied / OVERLAY / "secret.env.example", copied / OVERLAY / "secret.env")
        return tuple(kustomize(copied / OVERLAY))


def overlay() -> tuple[Doc, ...]:
    return rendered("overlay")


def of_kind(kind: str, docs: tuple[Doc, ...] | None = None) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs or overlay() if d["kind"] == kind}


def one(kind: str, component: str) -> Doc:
    (doc,) = [d for d in of_kind(kind).values() if d["metadata"]["labels"][COMPONENT] == component]
    return doc


def pod_specs() -> dict[str, Doc]:
    """The pod spec of every workload (Deployments and the Job), by workload name."""
    workloads = {**of_kind("Deployment"), **of_kind("Job")}
    return {name: doc["spec"]["template"]["spec"] for name, doc in workloads.items()}


def containers(spec: Doc) -> list[Doc]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def all_containers() -> Iterator[tuple[str, Doc, Doc]]:
    """(workload name, pod spec, container) for every container, init containers included."""
    for name, spec in pod_specs().items():
        for container in containers(spec):
            yield name, spec, container


def main_container(component: str) -> Doc:
    (container,) = one("Deployment", component)["spec"]["template"]["spec"]["containers"]
    return container


def config_map() -> dict[str, str]:
    (doc,) = of_kind("ConfigMap").values()
    return dict(doc["data"])


def secret() -> dict[str, str]:
    (doc,) = of_kind("Secret").values()
    return {key: base64.b64decode(value).decode() for key, value in doc["data"].items()}


def env_names(container: Doc) -> list[str]:
    """Every variable the container gets, in the order Kubernetes defines them."""
    names: list[str] = []
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, "secrets by key, each where it is needed"
        names += config_map()
    return names + [item["name"] for item in container.get("env", [])]


def environment(container: Doc) -> dict[str, str]:
    """The container's environment as the kubelet makes it (example values for secrets)."""
    env: dict[str, str] = {}
    if container.get("envFrom"):
        env.update(config_map())
    for item in container.get("env", []):
        if "value" in item:
            value = VARIABLE.sub(lambda m: env.get(m["name"], m.group()), item["value"])
        else:
            ref = item["valueFrom"].get("secretKeyRef") or item["valueFrom"]["configMapKeyRef"]
            source = secret() if "secretKeyRef" in item["valueFrom"] else config_map()
            value = source[ref["key"]]
        env[item["name"]] = value
    return env


def command(container: Doc) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def expanded(container: Doc) -> list[str]:
    env = environment(container)
    return [VARIABLE.sub(lambda m: env[m["name"]], part) for part in command(container)]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def quantity(value: str | int) -> float:
    """A CPU (cores) or memory (bytes) quantity: "500m", "2", "512Mi", "1Gi"."""
    text = str(value)
    units = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?", text)
    assert match, f"not a quantity: {text!r}"
    return float(match[1]) * units[match[2] or ""]


# --- Schemas --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("which", ["base", "overlay"])
def test_every_document_is_valid_for_the_kubernetes_api(which: str, version: str) -> None:
    errors = []
    for doc in rendered(which):
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(map(str, error.path))
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {path}: {error.message}")
    assert not errors, "\n".join(errors)


def test_the_validator_refuses_an_unknown_field_and_a_wrong_type() -> None:
    """The check above can fail: strict mode refuses what a typo makes."""
    deployment = copy.deepcopy(one("Deployment", "web"))
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePulPolicy"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)

    deployment = copy.deepcopy(one("Deployment", "beat"))
    deployment["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_resources_of_every_process() -> None:
    kinds = {(d["kind"], d["metadata"].get("labels", {}).get(COMPONENT)) for d in overlay()}

    assert {
        ("Deployment", "web"), ("Service", "web"), ("HorizontalPodAutoscaler", "web"),
        ("PodDisruptionBudget", "web"), ("Ingress", "web"),
        ("Deployment", "worker"), ("PodDisruptionBudget", "worker"),
        ("Deployment", "beat"), ("PersistentVolumeClaim", "beat"),
        ("Deployment", "flower"), ("Service", "flower"), ("NetworkPolicy", "flower"),
        ("Job", "migrate"), ("PersistentVolumeClaim", "media"),
    } <= kinds  # fmt: skip
    assert len(of_kind("ConfigMap")) == len(of_kind("Secret")) == 1
    (namespace,) = of_kind("Namespace")
    namespaced = [doc for doc in overlay() if doc["kind"] != "Namespace"]
    assert {doc["metadata"].get("namespace") for doc in namespaced} == {namespace}


# --- Environment ----------------------------------------------------------------------------


def test_every_variable_is_one_the_code_reads() -> None:
    """A ConfigMap key may also be read by a command line, as $(NAME)."""
    on_command_lines = {
        match["name"]
        for _, _, container in all_containers()
        for part in command(container)
        for match in VARIABLE.finditer(part)
    }
    known = names_a_deployment_may_set()

    unknown = set(config_map()) - known - on_command_lines
    assert not unknown, f"the ConfigMap sets variables nothing reads: {sorted(unknown)}"
    for name, _, container in all_containers():
        unknown = {item["name"] for item in container.get("env", [])} - known
        assert not unknown, f"{name}/{container['name']} sets {sorted(unknown)}, read by nothing"


def test_the_broker_url_the_manifests_set_is_read_by_the_settings() -> None:

    assert BROKER_URL_NAME in names_read_by_settings()


def test_every_reference_to_a_config_map_secret_or_variable_resolves() -> None:
    config_name = next(iter(of_kind("ConfigMap")))
    (secret_name,) = of_kind("Secret")
    for name, _, container in all_containers():
        where = f"{name}/{container['name']}"
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] == config_name, where
        defined: list[str] = list(config_map()) if container.get("envFrom") else []
        for item in container.get("env", []):
            for match in VARIABLE.finditer(item.get("value", "")):
                assert match["name"] in defined, f"{where}: $({match['name']}) before it is set"
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref is not None:
                assert ref["name"] == secret_name, where
                assert ref["key"] in secret(), f"{where}: the Secret has no {ref['key']}"
            defined.append(item["name"])
        for part in command(container):
            for match in VARIABLE.finditer(part):
                assert match["name"] in defined, f"{where}: $({match['name']}) is never set"


def test_every_backend_container_gets_what_production_settings_require() -> None:
    for name, _, container in all_containers():
        missing = names_required_by_production() - set(env_names(container))
        assert not missing, f"{name}/{container['name']} lacks {sorted(missing)}"
        assert {"DATABASE_URL", "REDIS_URL"} <= set(env_names(container))


def test_the_admin_password_goes_to_the_migration_job_alone() -> None:
    for name, _, container in all_containers():
        has_it = "TASKPULSE_ADMIN_PASSWORD" in env_names(container)
        assert has_it == (name in of_kind("Job")), f"{name}/{container['name']}"


def test_the_example_secret_lists_what_the_manifests_use_and_stays_out_of_git() -> None:
    example = KUBERNETES_DIR / OVERLAY / "secret.env.example"
    keys = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    used = {
        item["valueFrom"]["secretKeyRef"]["key"]
        for _, _, container in all_containers()
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }

    assert keys == used
    assert "secret.env" in (KUBERNETES_DIR / OVERLAY / ".gitignore").read_text().split()


def test_the_settings_load_with_the_rendered_environment(tmp_path: Path) -> None:
    """The production settings parse every value the manifests give (a bad flag, number or
    URL fails here, not in a pod), with the image's DJANGO_SETTINGS_MODULE."""
    image_env = dict(re.findall(r"(DJANGO_SETTINGS_MODULE)=(\S+)", DOCKERFILE.read_text()))
    for component in ("web", "worker", "beat", "flower"):
        env = environment(main_container(component))
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
            cwd=REPO_DIR / "backend",
            env={"PATH": "/usr/bin:/bin", "TASKPULSE_VAR_DIR": str(tmp_path), **image_env, **env},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{component}: {result.stderr}"


# --- web --------------------------------------------------------------------------------------


def test_web_runs_the_images_command_on_its_container_port() -> None:
    web = main_container("web")
    cmd = command(web)

    assert cmd == ["python", *web_argv("0.0.0.0", 8000)[1:]]  # noqa: S104 - in the container
    port = int(cmd[cmd.index("--port") + 1])
    assert web["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert environment(web)["WEB_PORT"] == str(port)


def probe_paths(container: Doc) -> dict[str, str]:
    return {
        kind: container[kind]["httpGet"]["path"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
        if kind in container
    }


def test_web_probes_are_wired_to_the_health_endpoints() -> None:
    web = main_container("web")
    allowed_hosts = Env(config_map()).items("ALLOWED_HOSTS", default=[])

    assert probe_paths(web) == {
        "startupProbe": LIVENESS_PATH, "livenessProbe": LIVENESS_PATH,
        "readinessProbe": READINESS_PATH,
    }  # fmt: skip
    port_names = {port["name"] for port in web["ports"]}
    for kind in probe_paths(web):
        probe = web[kind]["httpGet"]
        assert probe["port"] in port_names, kind
        headers = {h["name"]: h["value"] for h in probe.get("httpHeaders", [])}
        # The kubelet sends the pod's address as Host, which Django would refuse.
        assert headers.get("Host") in allowed_hosts, f"{kind}: Host not in ALLOWED_HOSTS"


@pytest.mark.parametrize("path", [LIVENESS_PATH, READINESS_PATH])
def test_the_probe_paths_are_in_the_urlconf(path: str) -> None:
    assert resolve(path).func is not spa_index


def test_web_scales_on_cpu_behind_a_cluster_ip_service_and_the_ingress() -> None:
    deployment = one("Deployment", "web")
    (hpa,) = of_kind("HorizontalPodAutoscaler").values()
    web = main_container("web")

    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] >= 2
    assert "replicas" not in deployment["spec"], "the HorizontalPodAutoscaler owns replicas"
    assert quantity(web["resources"]["requests"]["cpu"]) > 0  # what utilization is relative to
    service = one("Service", "web")
    assert service["spec"]["type"] == "ClusterIP"
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    backends = [
        path["backend"]["service"]
        for ingress in of_kind("Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert {b["name"] for b in backends} == {service["metadata"]["name"]}
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    assert all(b["port"]["name"] in service_ports for b in backends)


def test_services_and_budgets_select_the_pods_of_their_component() -> None:
    deployments = of_kind("Deployment")
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        for doc in of_kind(kind).values():
            spec = doc["spec"]
            selector = spec.get("selector") or spec["podSelector"]
            selector = selector.get("matchLabels", selector)
            selected = [
                name
                for name, d in deployments.items()
                if matches(selector, d["spec"]["template"]["metadata"]["labels"])
            ]
            component = doc["metadata"]["labels"][COMPONENT]
            assert selected == [one("Deployment", component)["metadata"]["name"]], doc


def test_disruption_budgets_let_a_drain_go_on_one_pod_at_a_time() -> None:
    (hpa,) = of_kind("HorizontalPodAutoscaler").values()
    web, worker = one("PodDisruptionBudget", "web"), one("PodDisruptionBudget", "worker")

    assert 1 <= web["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    assert worker["spec"]["maxUnavailable"] == 1
    assert one("Deployment", "worker")["spec"]["replicas"] >= 2


# --- worker, beat, Flower, migrations ---------------------------------------------------------


def celery_options(argv: list[str]) -> list[str]:
    """A worker's options, its node name and pool size left out."""
    options = argv[argv.index("worker") + 1 :]
    kept, skip = [], False
    for option in options:
        if skip:
            skip = False
        elif option in {"-n", "--concurrency"}:
            skip = True
        elif not option.startswith("--concurrency="):
            kept.append(option)
    return kept


def test_worker_runs_with_the_options_of_make_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"FLOWER_URL": "http://127.0.0.1:5555", "FLOWER_USER": "admin",
                        "FLOWER_PASSWORD": "unused"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    (make_run,) = [p.argv for p in programs(Env({})) if p.name == "worker"]
    worker = main_container("worker")
    argv = expanded(worker)

    assert argv[:4] == ["celery", "-A", "config", "worker"]
    assert make_run[1:6] == ["-m", "celery", "-A", "config", "worker"]
    assert celery_options(argv) == celery_options(make_run)
    assert set(WORKER_OPTIONS) <= set(argv)
    node = argv[argv.index("-n") + 1]
    assert node.startswith("worker@")
    assert "%h" in node  # the pod's name: one Celery node per pod
    concurrency = [a.split("=", 1)[1] for a in argv if a.startswith("--concurrency=")]
    assert Env({"N": concurrency[0]}).integer("N", default=0, minimum=1) >= 1


def test_worker_stops_with_a_soft_cold_shutdown_within_the_grace_period() -> None:
    spec = one("Deployment", "worker")["spec"]["template"]["spec"]
    worker = main_container("worker")
    soft = float(settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT)

    assert environment(worker)["REMAP_SIGTERM"] == "SIGQUIT"
    assert soft > 0, "without a soft shutdown period a stop cancels running tasks at once"
    assert spec["terminationGracePeriodSeconds"] > soft + 5
    assert settings.CELERY_TASK_ACKS_LATE  # what a cold shutdown leaves unacked is re-queued
    compose_worker = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["worker"]
    assert compose_worker["stop_grace_period"] == f"{spec['terminationGracePeriodSeconds']}s"


def test_beat_is_exactly_one_and_keeps_its_schedule() -> None:
    beat = one("Deployment", "beat")
    spec = beat["spec"]["template"]["spec"]
    argv = command(main_container("beat"))

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    (hpa,) = of_kind("HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] != beat["metadata"]["name"]
    assert argv[:4] == ["celery", "-A", "config", "beat"]
    schedule = Path(argv[argv.index("-s") + 1])
    mounts = {m["mountPath"]: m["name"] for m in main_container("beat")["volumeMounts"]}
    volume = {v["name"]: v for v in spec["volumes"]}[mounts[str(schedule.parent)]]
    claim = of_kind("PersistentVolumeClaim")[volume["persistentVolumeClaim"]["claimName"]]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]  # one pod at a time: Recreate


def test_flower_is_internal_and_authenticated() -> None:
    flower = main_container("flower")
    service = one("Service", "flower")
    env = environment(flower)

    assert command(flower) == ["celery", *flower_argv("0.0.0.0", 5555)[3:]]  # noqa: S104
    assert service["spec"]["type"] == "ClusterIP"
    for key in ("externalIPs", "loadBalancerIP", "externalName"):
        assert key not in service["spec"]
    assert all("nodePort" not in port for port in service["spec"]["ports"])
    ingress_services = {
        path["backend"]["service"]["name"]
        for ingress in of_kind("Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert service["metadata"]["name"] not in ingress_services
    # Django reaches it through its Service.
    (port,) = service["spec"]["ports"]
    assert config_map()["FLOWER_URL"] == f"http://{service['metadata']['name']}:{port['port']}"
    # Its basic auth by environment (never on its command line), from the Secret.
    assert env["FLOWER_BASIC_AUTH"] == f"{env['FLOWER_USER']}:{secret()['FLOWER_PASSWORD']}"
    for name, _, container in all_containers():
        assert not any("basic_auth" in part for part in command(container)), name
        assert "FLOWER_UNAUTHENTICATED_API" not in env_names(container), name
    # Only the web pods may connect.
    (rule,) = one("NetworkPolicy", "flower")["spec"]["ingress"]
    (peer,) = rule["from"]
    assert peer == {"podSelector": {"matchLabels": {NAME: "taskpulse", COMPONENT: "web"}}}
    assert rule["ports"] == [{"port": port["port"], "protocol": "TCP"}]


def test_the_migration_job_migrates_then_ensures_admin() -> None:
    (job,) = of_kind("Job").values()
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    compose_migrate = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["migrate"]

    assert command(container) == compose_migrate["command"]
    assert "python manage.py migrate --noinput && python manage.py ensure_admin" in (
        " ".join(command(container))
    )
    assert spec["restartPolicy"] in {"OnFailure", "Never"}
    # ensure_admin keeps a generated password in $TASKPULSE_VAR_DIR: a writable folder.
    var_dir = re.search(r"TASKPULSE_VAR_DIR=(\S+)", DOCKERFILE.read_text())
    assert var_dir
    assert var_dir[1] in {m["mountPath"] for m in container["volumeMounts"]}


def test_every_process_waits_for_the_migrations() -> None:
    for component in ("web", "worker", "beat"):
        spec = one("Deployment", component)["spec"]["template"]["spec"]
        (init,) = spec["initContainers"]
        assert "python manage.py migrate --check" in " ".join(command(init)), component


# --- Every container ------------------------------------------------------------------------


def test_every_container_has_requests_and_limits() -> None:
    for name, _, container in all_containers():
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = quantity(resources["requests"][resource])
            limit = quantity(resources["limits"][resource])
            assert 0 < request <= limit, f"{name}/{container['name']}: {resource}"


def test_every_container_is_the_compose_image() -> None:
    image = yaml.safe_load(COMPOSE_FILE.read_text())["x-backend"]["image"]
    for name, _, container in all_containers():
        assert container["image"] == image, name
        # A locally built or loaded image has no registry to be pulled from.
        assert container["imagePullPolicy"] == "IfNotPresent", name


def test_every_pod_runs_unprivileged_as_the_images_user() -> None:
    uid = int(re.search(r"--uid (\d+)", DOCKERFILE.read_text())[1])  # type: ignore[index]
    (namespace,) = of_kind("Namespace").values()

    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name, spec in pod_specs().items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert context["runAsUser"] == uid, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["serviceAccountName"] in of_kind("ServiceAccount"), name
        for container in containers(spec):
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, f"{name}/{container['name']}"


def test_every_writable_path_is_a_volume() -> None:
    """The root file system is read-only: /tmp and what the processes write are volumes."""
    var_dir = Path(re.search(r"TASKPULSE_VAR_DIR=(\S+)", DOCKERFILE.read_text())[1])  # type: ignore[index]
    media = var_dir / Path(settings.MEDIA_ROOT).relative_to(VAR_DIR)
    claims = of_kind("PersistentVolumeClaim")
    media_claims = set()
    for name, spec in pod_specs().items():
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in containers(spec):
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}/{container['name']}"
            assert set(mounts.values()) <= set(volumes), name
            if str(media) in mounts:
                media_claims.add(volumes[mounts[str(media)]]["persistentVolumeClaim"]["claimName"])
        for volume in volumes.values():
            assert {"emptyDir", "persistentVolumeClaim"} & set(volume), f"{name}: {volume}"
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name
    # Uploads stored by a web pod are read by any worker pod: one volume, mounted by all.
    for component in ("web", "worker"):
        paths = {m["mountPath"] for m in main_container(component)["volumeMounts"]}
        assert str(media) in paths, component
    (claim,) = media_claims
    assert claims[claim]["spec"]["accessModes"] == ["ReadWriteMany"]
