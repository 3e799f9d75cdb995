"""Open WebSockets follow their user's access: a connection is authenticated once, at its
handshake, so a change that would refuse or narrow that handshake now must reach the
connections already open.

Each change below sends `user.access` to the user's notifications group, which every
connection of the user joins, after the change commits. Each connection then checks its
own credentials again (consumers.TaskEventsConsumer.user_access): no longer valid, it
closes 4401; staff granted or withdrawn, it closes 4409 and the client reconnects to the
groups of its new role.
- a user saved (deactivated, password or staff changed; a save of `last_login` alone, as
  every login makes, is not a change of access) or deleted;
- a token deleted (revoked, or replaced by a new one);
- a logout: the event names the ended session (a digest of its key), because the session
  is flushed only after the logout signal, and a check made in between would still find it.

A bulk `QuerySet.update()` sends no signal: open connections learn of it at reconnection.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.authtoken.models import Token

from task_manager import events

ACCESS_EVENT = "user.access"


def session_digest(session_key: str) -> str:
    """How an access event names a session: never its key, which would sign in as it."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def access_changed(user_id: int, **details: Any) -> None:
    """Tell the user's open connections, once the change is committed, to check again."""
    group = events.user_notifications_group(user_id)
    message = {"type": ACCESS_EVENT, **details}
    transaction.on_commit(lambda: events.publish([group], message))


def on_user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    access_changed(instance.pk)


def on_user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    access_changed(instance.pk)


def on_token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    access_changed(instance.user_id)


def on_logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        access_changed(user.pk, ended_session=session_digest(session_key))


def connect() -> None:
    post_save.connect(on_user_saved, sender=User, dispatch_uid="taskpulse-access-user-saved")
    post_delete.connect(on_user_deleted, sender=User, dispatch_uid="taskpulse-access-user-gone")
    post_delete.connect(on_token_deleted, sender=Token, dispatch_uid="taskpulse-access-token")
    user_logged_out.connect(on_logged_out, dispatch_uid="taskpulse-access-logout")
