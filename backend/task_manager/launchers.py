"""Template launches, and the launchers through which a module launches its own task.

A template launch (`template_launch`) normally has its params checked against the
template's JSON Schema and sends the task. A module whose task needs more (its own
validation, its own records, a rate limit) registers a launcher for the task name, which
`template_launch` calls instead:

    register_launcher("deploy.deploy_vm", launch_from_template)

    def launch_from_template(*, user, params, template) -> TaskExecution: ...

The launcher validates `params` (merged over the template's defaults), raising DRF's
ValidationError with per-field errors, which the API answers as a 400 under "params".
"""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib.auth.models import User
from rest_framework.exceptions import ValidationError

from task_manager.launching import execution_launch
from task_manager.models import TaskExecution, TaskTemplate


class Launcher(Protocol):
    def __call__(
        self, *, user: User, params: dict[str, Any], template: TaskTemplate
    ) -> TaskExecution: ...


_launchers: dict[str, Launcher] = {}


def register_launcher(task_name: str, launcher: Launcher) -> None:
    """Called from an AppConfig.ready(): templates of `task_name` launch through `launcher`."""
    _launchers[task_name] = launcher


def launcher_for(task_name: str) -> Launcher | None:
    return _launchers.get(task_name)


def template_launch(*, template: TaskTemplate, user: User, params: dict[str, Any]) -> TaskExecution:
    """Launch a template's task with `params` (already merged over its defaults): through
    the module's launcher when one is registered, else as a plain launch."""
    launcher = launcher_for(template.task_name)
    if launcher is not None:
        return _launch_with(launcher, user=user, params=params, template=template)
    return execution_launch(
        task=template.task_name, user=user, kwargs=params, template=template,
        title=template.name, params=params,
    )  # fmt: skip


def _launch_with(
    launcher: Launcher, *, user: User, params: dict[str, Any], template: TaskTemplate
) -> TaskExecution:
    """Run a launcher; its validation errors come back nested under "params"."""
    try:
        return launcher(user=user, params=params, template=template)
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        raise ValidationError({"params": detail}) from exc
