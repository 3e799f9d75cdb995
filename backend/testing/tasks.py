"""Celery tasks only end-to-end tests run: their workers import this module
(`LiveWorker(include="testing.tasks")`); `make run` and production never do."""

from __future__ import annotations

import time

from celery import shared_task


@shared_task(name="testing.burn_cpu")
def burn_cpu(seconds: float) -> int:
    """Keep one pool process at 100 % CPU for `seconds`: a busy loop, no sleep, no I/O."""
    deadline = time.monotonic() + seconds
    loops = 0
    while time.monotonic() < deadline:
        loops += 1
    return loops
