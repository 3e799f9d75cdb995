"""Who runs an execution: the owner token written with its start, and whether that owner
still runs it.

A second copy of a running task's message does arrive: a worker that loses its broker
connection gets its unacknowledged messages back from Redis while their tasks still run
(kombu restores them when the channel closes), and a pool process that dies has its message
re-queued (task_reject_on_worker_lost). The owner token - the worker's node name, the pid of
the process running the task and that process's start time - tells the copy whether the
first run goes on: then the copy is dropped; when the owner is gone, the copy takes over.

On the owner's own node this is known for sure: its process still exists with the same
start time (a pid reused by a later process is not it). Another node is asked which of its
pool processes runs the task. A node that does not answer may be busy or gone: the copy is
dropped, and recovery, which watches executions whose worker is lost, decides.

On RabbitMQ a redelivered copy (the `redelivered` flag) means that the connection which held
the message closed: its worker died, or lost the broker and reconnects. There the copy asks
a silent owner's node again for TASKPULSE_OWNER_SILENT_SECONDS, and takes over if it never
answers: a reconnecting worker answers within that time, a killed one never does, and
recovery waits for this copy instead of sending one (task_manager.recovery).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass

import psutil
from django.conf import settings

from config.celery import app as celery_app
from task_manager.models import RUNNING_STATUSES, TaskExecution
from task_manager.writes import execution_take_over

logger = logging.getLogger(__name__)
SEPARATOR = "/"
ASK_TIMEOUT = 1.0  # seconds another node gets to say whether it runs the task


@dataclass(frozen=True)
class Owner:
    node: str  # the Celery worker's node name, worker1@host
    pid: int  # the process that runs the task (a pool process)
    started: float  # when that process started, epoch seconds to the hundredth

    @property
    def token(self) -> str:
        return f"{self.node}{SEPARATOR}{self.pid}{SEPARATOR}{self.started:.2f}"

    @classmethod
    def parse(cls, token: str) -> Owner | None:
        node, _, rest = token.rpartition(SEPARATOR)
        node, _, pid = node.rpartition(SEPARATOR)
        try:
            return cls(node=node, pid=int(pid), started=float(rest)) if node else None
        except ValueError:
            return None


def process_started(pid: int) -> float | None:
    """When a process started (epoch seconds to the hundredth); None when there is none."""
    try:
        return round(psutil.Process(pid).create_time(), 2)
    except psutil.Error:
        return None


@functools.cache
def _own_start(pid: int) -> float:
    """This process's start, read once (a forked child has a pid, so an entry, of its own)."""
    return process_started(pid) or 0.0


def this_process(node: str) -> Owner:
    pid = os.getpid()
    return Owner(node=node, pid=pid, started=_own_start(pid))


def owner_alive(owner: Owner, *, task_id: str, node: str) -> bool | None:
    """Whether the owner still runs the task; None when its node did not answer."""
    if owner.node == node:
        return process_started(owner.pid) == owner.started
    try:
        inspect = celery_app.control.inspect(destination=[owner.node], timeout=ASK_TIMEOUT,
                                             limit=1)  # fmt: skip
        replies = inspect.query_task(task_id) or {}
    except Exception:
        logger.warning("cannot ask %s whether it runs %s", owner.node, task_id, exc_info=True)
        return None
    if owner.node not in replies:
        return None
    held = replies[owner.node].get(task_id)
    if not held:
        return False
    state, request = held
    return state == "active" and request.get("worker_pid") == owner.pid


def silent_owner_gone(owner: Owner, *, task_id: str, node: str) -> bool | None:
    """Ask a silent owner's node again until TASKPULSE_OWNER_SILENT_SECONDS pass: its answer
    if it gives one, else False (gone)."""
    deadline = time.monotonic() + settings.TASKPULSE_OWNER_SILENT_SECONDS
    while time.monotonic() < deadline:
        alive = owner_alive(owner, task_id=task_id, node=node)
        if alive is not None:
            return alive
        time.sleep(0.2)  # the broker may have refused at once: no busy loop
    logger.warning("%s did not answer for %ss: gone", owner.node,
                   settings.TASKPULSE_OWNER_SILENT_SECONDS)  # fmt: skip
    return False


def execution_claim(
    execution: TaskExecution, *, node: str, redelivered: bool = False, deliveries: int | None = None
) -> bool:
    """Whether this process may run the execution: no one runs it, or its owner is gone (then
    this process takes it over); False while another process runs it. `redelivered`: the
    broker (RabbitMQ) gave this message back after its holder's connection closed."""
    if execution.status not in RUNNING_STATUSES or not execution.owner:
        return True
    me = this_process(node)
    if execution.owner == me.token:
        return True
    owner = Owner.parse(execution.owner)
    alive = None if owner is None else owner_alive(owner, task_id=execution.task_id, node=node)
    if owner is not None and alive is None and redelivered:
        alive = silent_owner_gone(owner, task_id=execution.task_id, node=node)
    if owner is not None and alive is not False:
        logger.warning("%s: a second copy of its message is dropped; %s runs it",
                       execution, execution.owner)  # fmt: skip
        return False
    logger.warning("%s: taken over from %s, which no longer runs it%s", execution,
                   execution.owner, f" (delivery {deliveries})" if deliveries else "")  # fmt: skip
    return execution_take_over(execution.pk, previous=execution.owner, owner=me.token,
                               worker=node)  # fmt: skip
