"""The cluster with each host in a network namespace of its own (make cluster-test NETNS=1).

Two networks, each a bridge in the root namespace:

- back, 10.231.0.0/24: every host (Redis .2, web-1 .11, web-2 .12, worker hosts .21 and .22,
  beat .31) and the root namespace (.1), where socat forwards PostgreSQL and RabbitMQ, which
  listen on 127.0.0.1 only, from 10.231.0.1;
- front, 10.231.1.0/24: the web hosts (.11, .12) and the root namespace (.1), where the
  harness's clients are.

No role reaches another through 127.0.0.1. A partition takes a host's back link down
(`ip link set ... down`) for a while: a worker host is cut from the broker (and from Redis
and PostgreSQL, which share that link), a web host from Redis (and PostgreSQL) while its
clients stay connected on the front network. Everything made here is removed by `close`,
on failure and Ctrl-C too, and what a killed run left behind is removed at the next start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from clustertest.report import Row

if TYPE_CHECKING:
    from clustertest.scenarios import Checks

PREFIX = "tpc"  # namespaces tpc<pid>-<host>, links tpc<pid><letter><n>: at most 15 characters
BACK, FRONT = "10.231.0", "10.231.1"
HOSTS = {"redis": 2, "web-1": 11, "web-2": 12, "worker-a": 21, "worker-b": 22, "beat": 31}
FRONT_HOSTS = ("web-1", "web-2")
FORWARDED = {"postgres": ("127.0.0.1", 5432), "rabbitmq": ("127.0.0.1", 5672)}
PARTITION_SECONDS = 10.0


class NamespacesUnavailable(RuntimeError):
    pass


def ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NamespacesUnavailable(f"ip {' '.join(args)}: {done.stderr.strip()}")


def quietly(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, check=False)


def remove_leftovers() -> None:
    """Namespaces and bridges of earlier runs whose harness process is gone."""
    listed = subprocess.run(["ip", "-o", "link", "show", "type", "bridge"], capture_output=True,
                            text=True, check=False).stdout  # fmt: skip
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                           check=False).stdout.split()  # fmt: skip
    bridges = [line.split(":")[1].strip() for line in listed.splitlines() if ":" in line]
    for name in [*names, *bridges]:
        tag = name.removeprefix(PREFIX).split("-")[0].rstrip("bf")
        if name.startswith(PREFIX) and tag.isdigit() and not pid_alive(int(tag)):
            if name in names:
                quietly("netns", "del", name)
            else:
                quietly("link", "del", name)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Namespaces:
    name = "network namespaces"

    def __init__(self) -> None:
        self.tag = f"{PREFIX}{os.getpid()}"
        self.namespaces: list[str] = []
        self.bridges: list[str] = []
        self.forwarders: list[subprocess.Popen[bytes]] = []

    @classmethod
    def create(cls) -> Namespaces:
        for tool in ("ip", "socat"):
            if shutil.which(tool) is None:
                raise NamespacesUnavailable(f"`{tool}` is not installed")
        if os.geteuid() != 0:
            raise NamespacesUnavailable("making network namespaces needs root")
        remove_leftovers()
        made = cls()
        try:
            made.build()
        except BaseException:
            made.close()
            raise
        return made

    # --- names -------------------------------------------------------------------------

    def namespace(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def link(self, host: str, network: str) -> str:
        """The root namespace's end of a host's link ("b" back, "f" front)."""
        return f"{self.tag}{network}{HOSTS[host]}"

    # --- building ------------------------------------------------------------------------

    def build(self) -> None:
        for network, prefix in (("b", BACK), ("f", FRONT)):
            bridge = f"{self.tag}{network}"
            ip("link", "add", bridge, "type", "bridge")
            self.bridges.append(bridge)
            ip("addr", "add", f"{prefix}.1/24", "dev", bridge)
            ip("link", "set", bridge, "up")
        for host in HOSTS:
            namespace = self.namespace(host)
            ip("netns", "add", namespace)
            self.namespaces.append(namespace)
            ip("-n", namespace, "link", "set", "lo", "up")
            self.attach(host, "b", "eth0", BACK)
            if host in FRONT_HOSTS:
                self.attach(host, "f", "eth1", FRONT)
        for service, (host, port) in FORWARDED.items():
            self.forward(self.service_address(service), (host, port))

    def attach(self, host: str, network: str, inside: str, prefix: str) -> None:
        outside, namespace = self.link(host, network), self.namespace(host)
        ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
        ip("link", "set", outside, "master", f"{self.tag}{network}", "up")
        ip("-n", namespace, "addr", "add", f"{prefix}.{HOSTS[host]}/24", "dev", inside)
        ip("-n", namespace, "link", "set", inside, "up")

    def forward(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        argv = ["socat", f"TCP-LISTEN:{listen[1]},bind={listen[0]},fork,reuseaddr",
                f"TCP:{target[0]}:{target[1]}"]  # fmt: skip
        forwarder = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL)
        self.forwarders.append(forwarder)
        wait_listening(listen, forwarder)

    # --- the Placement protocol (clustertest/topology.py) ------------------------------------

    def address(self, host: str) -> str:
        return f"{FRONT if host in FRONT_HOSTS else BACK}.{HOSTS[host]}"

    def launcher(self, host: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespace(host)]

    def port(self, host: str, default: int) -> int:
        return default

    def service_address(self, service: str) -> tuple[str, int]:
        return f"{BACK}.1", FORWARDED[service][1]

    def close(self) -> None:
        for forwarder in self.forwarders:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(forwarder.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                forwarder.wait(timeout=5)
        for namespace in self.namespaces:  # its links go with it
            quietly("netns", "del", namespace)
        for bridge in self.bridges:
            quietly("link", "del", bridge)
        self.forwarders, self.namespaces, self.bridges = [], [], []

    # --- partitions ----------------------------------------------------------------------

    def cut(self, host: str, peer: tuple[str, int], seconds: float = PARTITION_SECONDS) -> bool:
        """The host's back link down for `seconds`, then up again (also on failure); whether
        the host could not reach `peer` meanwhile (the cut is real) and can again after."""
        link = self.link(host, "b")
        ip("link", "set", link, "down")
        began = time.monotonic()
        try:
            cut_off = not self.reaches(host, peer)
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
        finally:
            ip("link", "set", link, "up")
        return cut_off and self.reaches(host, peer)

    def reaches(self, host: str, target: tuple[str, int]) -> bool:
        """Whether a TCP connection from inside the host's namespace succeeds within 2 s."""
        probe = f"exec 3<>/dev/tcp/{target[0]}/{target[1]}"
        argv = [*self.launcher(host), "timeout", "2", "bash", "-c", probe]
        return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def wait_listening(address: tuple[str, int], process: subprocess.Popen[bytes]) -> None:
    from clustertest.topology import reachable

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NamespacesUnavailable(f"socat for {address[0]}:{address[1]} exited")
        if reachable(*address, timeout=0.5):
            return
        time.sleep(0.1)
    raise NamespacesUnavailable(f"socat does not listen on {address[0]}:{address[1]}")


def partitions(checks: Checks) -> list[tuple[str, str, Callable[[], Row | None]]]:
    """The partition checks, run after the others in the namespaces variant."""
    return [
        ("p", "p1. worker host cut from the broker", lambda: checks.partitioned(
            "worker-a", name=f"p1. host-a (2 workers) link down {PARTITION_SECONDS:.0f}s")),
        ("p", "p2. web host cut from Redis", lambda: checks.partitioned(
            "web-1", name=f"p2. web-1 back link down {PARTITION_SECONDS:.0f}s")),
    ]  # fmt: skip
