"""How request bodies are read: REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"], so every view,
the anonymous auth views included, gets the same bounds.

DRF imports this module while it defines APIView: it must not import rest_framework.views.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]

from config.api import untrusted_json


class JSONBodyParser(JSONParser):
    """JSON bodies: malformed JSON, nesting deeper than untrusted_json.MAX_DEPTH or a number
    out of range is a 400 with `errors`. DRF hands a JSON parser `request.body`, which
    Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE (a 413, config.api.errors)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            text = stream.read().decode(get_encoding(parser_context or {}))
            return untrusted_json.loads(text)
        except ValueError as exc:  # UnicodeDecodeError too
            message = f"Malformed JSON body: {str(exc)[:200]}"
            raise ValidationError({"non_field_errors": [message]}) from exc
