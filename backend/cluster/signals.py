"""Wiring only: a worker that starts while a queue is paused does not consume it."""

from __future__ import annotations

from typing import Any

from celery import signals

from cluster.queues import worker_skips_paused_queues


@signals.celeryd_after_setup.connect
def skip_paused_queues(sender: str, instance: Any, **kwargs: Any) -> None:
    """Called once the worker knows its queues, before it consumes any."""
    worker_skips_paused_queues(str(sender), instance.app.amqp.queues)
