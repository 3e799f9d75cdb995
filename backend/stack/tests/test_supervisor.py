import contextlib
import io
import os
import signal
import sys
import threading

import psutil

from stack.supervisor import Program, Supervisor

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


def test_a_program_that_keeps_exiting_is_given_up_on_and_everything_stops() -> None:
    out = io.StringIO()
    supervisor = Supervisor(
        [
            Program("sleeper", SLEEPER),
            Program("forker", FORKER),
            Program("crasher", [sys.executable, "-c", "import sys; sys.exit(3)"]),
        ],
        grace=5, out=out, max_restarts=2, backoff=0.05,
    )  # fmt: skip

    code = supervisor.run()

    assert code == 1
    assert out.getvalue().count("crasher exited with code 3; restarting it") == 2
    assert "crasher exited 3 times within 60s (last code 3); giving up" in out.getvalue()
    assert "stopped because crasher exited 3 times" in out.getvalue()
    assert all(p.poll() is not None for p in supervisor.processes.values())
    assert not [p for p in descendants_of(supervisor) if p.is_running() and p.status() != "zombie"]


def interrupt_when(supervisor: Supervisor, out: io.StringIO, *marks: str) -> list[psutil.Process]:
    """SIGINT this process once every mark is in the output; return the processes seen then."""
    seen: list[psutil.Process] = []

    def interrupt() -> None:
        while not all(mark in out.getvalue() for mark in marks):
            threading.Event().wait(0.05)
        seen.extend(descendants_of(supervisor))
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    return seen


def run_until_interrupted(supervisor: Supervisor) -> int:
    previous = signal.getsignal(signal.SIGINT)
    try:
        return supervisor.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_a_program_that_crashes_is_restarted_and_the_others_keep_running(tmp_path) -> None:
    marker = tmp_path / "crashed-once"
    once = [sys.executable, "-c", (
        "import pathlib, sys, time; m = pathlib.Path(sys.argv[1])\n"
        "if not m.exists(): m.touch(); sys.exit(3)\n"
        "print('back', flush=True); time.sleep(60)"
    ), str(marker)]  # fmt: skip
    out = io.StringIO()
    supervisor = Supervisor(
        [Program("sleeper", SLEEPER), Program("crasher", once)], out=out, backoff=0.05
    )
    interrupt_when(supervisor, out, "crasher   | back", "sleeper   | up")

    code = run_until_interrupted(supervisor)

    assert code == 0
    log = out.getvalue()
    assert "crasher exited with code 3; restarting it in 0s (1 of 5 restarts a minute)" in log
    assert "restarting crasher" in log
    assert log.count("sleeper   | up") == 1  # the others were left alone
    assert "all processes stopped" in log


def test_sigint_stops_every_program_and_their_children() -> None:
    out = io.StringIO()
    supervisor = Supervisor([Program("sleeper", SLEEPER), Program("forker", FORKER)], out=out)
    seen = interrupt_when(supervisor, out, "forked", "up")

    code = run_until_interrupted(supervisor)

    assert code == 0
    assert len(seen) == 3
    # run() returns once every process of each group is gone: the grandchild too.
    assert not [p for p in seen if p.is_running() and p.status() != "zombie"]
    assert "sleeper   | up" in out.getvalue()
