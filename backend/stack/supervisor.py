"""A small process supervisor: start programs, prefix their output, restart what crashes.

Each program runs in its own session (process group) so that a stop reaches its children
too (the worker's pool, for instance). One SIGINT or SIGTERM stops every program. A program
that exits on its own is restarted, as supervisord or systemd would, after a backoff that
doubles with each restart of the last minute (1 s, 2 s, 4 s...); what is left of its process
group is killed first. A program that exits more than `max_restarts` times within a minute
is given up on: every program is stopped and `run` returns 1, naming it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

import psutil

COLOURS = ["36", "33", "35", "32", "34", "31"]
RESTART_WINDOW = 60.0  # seconds over which restarts are counted
MAX_BACKOFF = 30.0


@dataclass
class Program:
    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None


@dataclass
class Restarts:
    """When one program exited on its own, and when it is due to start again."""

    exits: deque[float] = field(default_factory=deque)
    due: float | None = None

    def record(self, now: float) -> int:
        """Count an exit; return how many fell within the last RESTART_WINDOW."""
        self.exits.append(now)
        while self.exits and self.exits[0] < now - RESTART_WINDOW:
            self.exits.popleft()
        return len(self.exits)


class Supervisor:
    def __init__(
        self, programs: list[Program], *, grace: float = 15.0, out: IO[str] = sys.stdout,
        max_restarts: int = 5, backoff: float = 1.0,
    ) -> None:  # fmt: skip
        self.programs = {program.name: program for program in programs}
        self.grace = grace
        self.out = out
        self.max_restarts = max_restarts
        self.backoff = backoff
        self.width = max(len(p.name) for p in [*programs, Program("taskpulse", [])])
        self.colour = out.isatty()
        self.colours = {p.name: COLOURS[i % len(COLOURS)] for i, p in enumerate(programs)}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts = {name: Restarts() for name in self.programs}
        self.stop_requested = threading.Event()
        self.print_lock = threading.Lock()

    def say(self, name: str, line: str, colour: str = "1") -> None:
        with self.print_lock:
            label = f"{name:<{self.width}} |"
            if self.colour:
                label = f"\033[{colour}m{label}\033[0m"
            self.out.write(f"{label} {line}\n")
            self.out.flush()

    def start(self, program: Program) -> None:
        process = subprocess.Popen(
            program.argv,
            env={**os.environ, **program.env},
            cwd=program.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[program.name] = process
        threading.Thread(
            target=self.relay, args=(program.name, process, self.colours[program.name]),
            daemon=True,
        ).start()  # fmt: skip

    def relay(self, name: str, process: subprocess.Popen[bytes], colour: str) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(name, raw.decode(errors="replace").rstrip(), colour)

    def run(self) -> int:
        """Start everything, restart what exits, until a signal or a program that keeps
        exiting; return the exit code."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stop_requested.set())
        for program in self.programs.values():
            self.start(program)
        given_up = self.supervise()
        if given_up is None:
            self.say("taskpulse", "stopping...")
        self.stop_all()
        if given_up is not None:
            self.say("taskpulse", f"stopped because {given_up}", "31")
            return 1
        self.say("taskpulse", "all processes stopped")
        return 0

    def supervise(self) -> str | None:
        """Restart exited programs until a stop is asked (None) or one is given up on (why)."""
        while not self.stop_requested.wait(0.2):
            now = time.monotonic()
            for name, process in self.processes.items():
                restarts = self.restarts[name]
                if restarts.due is None and process.poll() is not None:
                    given_up = self.on_exit(name, process, now)
                    if given_up:
                        return given_up
                elif restarts.due is not None and now >= restarts.due:
                    restarts.due = None
                    self.say("taskpulse", f"restarting {name}", "33")
                    self.start(self.programs[name])
        return None

    def on_exit(self, name: str, process: subprocess.Popen[bytes], now: float) -> str | None:
        """Schedule a restart after the backoff; or, past max_restarts a minute, say why not."""
        clear_group(process)  # what the program left behind: its pool, its children
        exits = self.restarts[name].record(now)
        code = process.returncode
        if exits > self.max_restarts:
            why = f"{name} exited {exits} times within {RESTART_WINDOW:.0f}s (last code {code})"
            self.say("taskpulse", f"{why}; giving up and stopping everything", "31")
            return why
        delay = min(self.backoff * 2 ** (exits - 1), MAX_BACKOFF)
        self.restarts[name].due = now + delay
        self.say("taskpulse", f"{name} exited with code {code}; restarting it in {delay:.0f}s "
                 f"({exits} of {self.max_restarts} restarts a minute)", "31")  # fmt: skip
        return None

    def stop_all(self) -> None:
        for process in self.processes.values():
            signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("taskpulse", f"{name} did not stop in {self.grace:.0f}s; killing it", "31")
        for process in self.processes.values():
            # The leader may be gone while its children linger: clear the whole group.
            clear_group(process)
            process.wait()


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def clear_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGKILL what is left of the program's process group, and wait until it is gone (a
    killed process is not dead at once: without the wait it could still look running)."""
    members = group_members(process.pid)
    signal_group(process, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    for member in members:
        while time.monotonic() < deadline and alive(member):
            time.sleep(0.01)


def group_members(pgid: int) -> list[psutil.Process]:
    """Every process of a process group, children whose parent died included."""
    members = []
    for candidate in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getpgid(candidate.pid) == pgid:
                members.append(candidate)
    return members


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
