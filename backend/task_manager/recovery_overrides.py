"""Where a template's recovery thresholds win over the settings, said in the log.

Recovery's thresholds come from the settings (TASKPULSE_PENDING_REQUEUE_AFTER,
TASKPULSE_PENDING_TIMEOUT, TASKPULSE_MAX_REQUEUES), and a template may set its own for its
executions (recovery.pending_thresholds, recovery.max_requeues): the template, the more
specific, wins. That used to be silent, so lowering a setting seemed to do nothing for a
template's executions. Recovery now says it once per process for each value that differs.
"""

from __future__ import annotations

import logging

from django.conf import settings

from task_manager.models import TaskTemplate

logger = logging.getLogger("task_manager.recovery")

# template field -> the setting it overrides
OVERRIDABLE = {
    "pending_requeue_after": "TASKPULSE_PENDING_REQUEUE_AFTER",
    "pending_timeout": "TASKPULSE_PENDING_TIMEOUT",
    "max_retries": "TASKPULSE_MAX_REQUEUES",
}

_said: set[tuple[int, str, int, int]] = set()


def template_overrides() -> list[tuple[TaskTemplate, str, int, str, int]]:
    """(template, field, its value, setting, the setting's value) where the two differ."""
    found = []
    for template in TaskTemplate.objects.filter(enabled=True).order_by("pk"):
        for field, setting in OVERRIDABLE.items():
            value, default = getattr(template, field), getattr(settings, setting)
            if value is not None and value != default:
                found.append((template, field, value, setting, default))
    return found


def log_template_overrides() -> None:
    """Say, once per process and value, each template threshold that wins over a setting."""
    for template, field, value, setting, default in template_overrides():
        key = (template.pk, field, value, default)
        if key in _said:
            continue
        _said.add(key)
        logger.info("recovery: template %r sets %s=%s, which wins over %s=%s for its executions",
                    template.name, field, value, setting, default)  # fmt: skip
