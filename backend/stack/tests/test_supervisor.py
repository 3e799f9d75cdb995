import contextlib
import io
import os
import signal
import sys
import threading

import psutil

from stack.supervisor import Program, Supervisor

CRASHER = [sys.executable, "-c", "import sys, time; time.sleep(1); sys.exit(3)"]
SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
# A parent that forks a grandchild: stopping must reach the whole process group.
FORKER = [
    sys.executable,
    "-c",
    "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
    "'import time; time.sleep(60)']); print('forked', flush=True); time.sleep(60)",
]


def descendants_of(supervisor: Supervisor) -> list[psutil.Process]:
    found = []
    for process in supervisor.processes.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            found += [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
    return found


def test_a_program_that_exits_stops_the_others_and_is_named() -> None:
    out = io.StringIO()
    supervisor = Supervisor(
        [
            Program("sleeper", SLEEPER),
            Program("forker", FORKER),
            Program(
                "crasher", [sys.executable, "-c", "import sys, time; time.sleep(1); sys.exit(3)"]
            ),
        ],
        grace=5,
        out=out,
    )

    code = supervisor.run()

    assert code == 1
    assert "crasher exited with code 3; stopping the others" in out.getvalue()
    assert all(p.poll() is not None for p in supervisor.processes.values())
    assert not [p for p in descendants_of(supervisor) if p.is_running() and p.status() != "zombie"]


def test_sigint_stops_every_program_and_their_children() -> None:
    out = io.StringIO()
    supervisor = Supervisor([Program("sleeper", SLEEPER), Program("forker", FORKER)], out=out)
    seen: list[psutil.Process] = []

    def interrupt_when_up() -> None:
        while "forked" not in out.getvalue() or "up" not in out.getvalue():
            threading.Event().wait(0.05)
        seen.extend(descendants_of(supervisor))
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_up, daemon=True).start()
    previous = signal.getsignal(signal.SIGINT)
    try:
        code = supervisor.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    assert code == 0
    assert len(seen) == 3
    assert not [p for p in seen if p.is_running() and p.status() != "zombie"]
    assert "sleeper   | up" in out.getvalue()
