"""What a view reads from a request: its user and validated input.

Every malformed input, query string or body, is a 400 with per-field `errors`; bodies are
parsed by config.api.parsers.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from rest_framework.request import Request
from rest_framework.serializers import Serializer

# The largest value of a database integer column (bigint): ids and integer filters above it
# are a 400, never an overflow in the database driver.
MAX_DB_INTEGER = 2**63 - 1


def request_user(request: Request) -> User:
    """The caller of a view that requires authentication: a real account."""
    return cast(User, request.user)


def validated(serializer_class: type[Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """`data` checked by the serializer (a 400 with per-field errors if it is wrong)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
