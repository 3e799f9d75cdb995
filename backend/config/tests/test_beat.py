"""Beat stops on SIGTERM even when the signal lands while a sent task's result is dropped,
in a process that runs the product's own threads as beat's does (the publisher, the
counters' flusher)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from celery.beat import PersistentScheduler

from config.beat import Scheduler
from config.celery import app
from testing.live import BACKEND_DIR, process_env

# Beat's stop as Celery installs it (celery.apps.beat): close the scheduler, SystemExit.
# Every sent task's result sends SIGTERM from its __del__, the worst moment.
BEAT = """
import os, signal, sys, time
import django
django.setup()
from celery.beat import PersistentScheduler, ScheduleEntry
from celery.result import AsyncResult
from config.beat import Scheduler
from config.celery import app
from task_manager import counters, events

scheduler_class = {"ours": Scheduler, "celery": PersistentScheduler}[sys.argv[1]]
scheduler = scheduler_class(app=app, schedule_filename=sys.argv[2], lazy=True)

def stop(signum, frame):
    scheduler.close()
    raise SystemExit(3)

signal.signal(signal.SIGTERM, stop)
events.publisher.publish(["beat-test"], {"type": "t"})  # the threads a beat has
counters.counters.add("beat_test")

class SigtermOnDrop(AsyncResult):
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # time for any thread that may take the signal to take it

PersistentScheduler.apply_async = lambda *args, **kwargs: SigtermOnDrop("sent", app=app)
entry = ScheduleEntry(name="tick", task="task_manager.recover_executions", app=app)
for _ in range(3):
    scheduler.apply_entry(entry)
    time.sleep(0.05)
print("still running")
"""


def run_beat(scheduler: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BEAT, scheduler, str(tmp_path / "schedule")], cwd=BACKEND_DIR,
        env=process_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_sigterm_while_the_sent_result_is_dropped_stops_beat_at_once(tmp_path: Path) -> None:
    ran = run_beat("ours", tmp_path)

    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "still running" not in ran.stdout
    assert "Exception ignored" not in ran.stderr


def test_celerys_own_scheduler_loses_that_stop(tmp_path: Path) -> None:
    ran = run_beat("celery", tmp_path)  # what the test above would see without the fix

    assert "Exception ignored" in ran.stderr
    assert ran.returncode != 3


def test_a_stop_lost_all_the_same_ends_beat_at_its_next_tick(tmp_path: Path) -> None:
    scheduler = Scheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    scheduler.close()  # the stop ran; its SystemExit did not get through

    with pytest.raises(SystemExit):
        scheduler.tick()
    scheduler.close()  # beat's loop closes it again on its way out: nothing more to do
    assert isinstance(scheduler, PersistentScheduler)
