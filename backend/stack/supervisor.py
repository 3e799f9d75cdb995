"""A small process supervisor: start programs, prefix their output, stop them together.

Each program runs in its own session (process group) so that a stop reaches its children
too (the worker's pool, for instance). One SIGINT or SIGTERM stops every program; when a
program exits on its own, the others are stopped and `run` returns 1, naming it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

COLOURS = ["36", "33", "35", "32", "34", "31"]


@dataclass
class Program:
    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None


class Supervisor:
    def __init__(self, programs: list[Program], *, grace: float = 15.0, out: IO[str] = sys.stdout):
        self.programs = programs
        self.grace = grace
        self.out = out
        self.width = max(len(p.name) for p in [*programs, Program("taskpulse", [])])
        self.colour = out.isatty()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_requested = threading.Event()
        self.print_lock = threading.Lock()

    def say(self, name: str, line: str, colour: str = "1") -> None:
        with self.print_lock:
            label = f"{name:<{self.width}} |"
            if self.colour:
                label = f"\033[{colour}m{label}\033[0m"
            self.out.write(f"{label} {line}\n")
            self.out.flush()

    def start(self, program: Program, colour: str) -> None:
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
            target=self.relay, args=(program.name, process, colour), daemon=True
        ).start()

    def relay(self, name: str, process: subprocess.Popen[bytes], colour: str) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(name, raw.decode(errors="replace").rstrip(), colour)

    def run(self) -> int:
        """Start everything and block until a signal or a program's exit; return the exit code."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stop_requested.set())
        for index, program in enumerate(self.programs):
            self.start(program, COLOURS[index % len(COLOURS)])
        exited = self.wait_for_exit_or_stop()
        if exited:
            code = self.processes[exited].returncode
            self.say("taskpulse", f"{exited} exited with code {code}; stopping the others", "31")
        else:
            self.say("taskpulse", "stopping...")
        self.stop_all()
        if exited:
            self.say("taskpulse", f"stopped because {exited} exited (code {code})", "31")
            return 1
        self.say("taskpulse", "all processes stopped")
        return 0

    def wait_for_exit_or_stop(self) -> str | None:
        while not self.stop_requested.wait(0.2):
            for name, process in self.processes.items():
                if process.poll() is not None:
                    return name
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
            signal_group(process, signal.SIGKILL)
            process.wait()


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
