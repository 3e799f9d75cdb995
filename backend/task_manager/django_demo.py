"""A task of Django's tasks framework to try the platform with, tracked beside the Celery
demo (task_manager.tasks.demo): `manage.py django_tasks_demo` enqueues it.

With TASKPULSE_DJANGO_TASKS=true it waits in the database for `manage.py db_worker` (which
`make run` starts); otherwise it runs at once in the process that enqueues it.
"""

from __future__ import annotations

import time
from importlib.util import find_spec
from typing import Any

from task_manager.tracking import progress_for

if find_spec("django.tasks"):  # Django 6.0 and later
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
else:
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]


@task(takes_context=True)
def demo(
    context: Any, steps: int = 5, step_seconds: float = 1.0, fail_at_step: int = 0
) -> dict[str, int]:
    """Walks through `steps` steps with a log line each; fails at `fail_at_step` if set."""
    progress = progress_for(context)
    for step in range(1, steps + 1):
        progress.step(step, steps, f"Step {step} of {steps}")
        progress.log(f"step {step} started")
        if step == fail_at_step:
            raise RuntimeError(f"demo failure at step {step}")
        deadline = time.monotonic() + step_seconds
        while time.monotonic() < deadline:
            progress.check_cancelled()
            time.sleep(min(0.05, step_seconds))
    progress.log("all steps done")
    return {"steps": steps}


@task()
def add(left: int, right: int) -> int:
    """A task without context: tracked all the same, without progress."""
    return left + right
