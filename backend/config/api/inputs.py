"""What a view reads from a request: its user, its JSON body, and validated input.

Every malformed input, query string or body, is a 400 with per-field `errors`.
"""

from __future__ import annotations

import codecs
import json
from typing import Any, cast

from django.contrib.auth.models import User
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # missing from the stubs
    FormParser,
    JSONParser,
    MultiPartParser,
    get_encoding,
)
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.utils.json import strict_constant


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


class JSONBodyParser(JSONParser):
    """JSON bodies; malformed JSON or an out-of-range number is a 400 with `errors`."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = get_encoding(parser_context or {})
        try:
            reader = codecs.getreader(encoding)(stream)
            return json.load(reader, parse_constant=strict_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            message = f"Malformed JSON body: {str(exc)[:200]}"
            raise ValidationError({"non_field_errors": [message]}) from exc


BODY_PARSERS = [JSONBodyParser, FormParser, MultiPartParser]


def request_user(request: Request) -> User:
    """The caller of a view that requires authentication: a real account."""
    return cast(User, request.user)


def validated(serializer_class: type[Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """`data` checked by the serializer (a 400 with per-field errors if it is wrong)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
