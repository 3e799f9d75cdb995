"""JSON text from a client (REST bodies, WebSocket frames), decoded within bounds.

Python's decoder recurses once per nesting level: `'[' * 100000` is a RecursionError, not
a ValueError. The nesting is measured first, without recursion, and anything deeper than
MAX_DEPTH is refused like any other malformed JSON. NaN and Infinity are refused too: they
are not JSON, and no column or renderer here can hold them.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64

# A string token (skipped whole, so brackets inside strings do not count) or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)


class UntrustedJSONError(ValueError):
    """The text is not JSON this server reads; the message says why, for the client."""


def nesting_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit` (stops at the first)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        if token.lastgroup == "open":
            depth += 1
            if depth > limit:
                return True
        elif token.lastgroup == "close":
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise UntrustedJSONError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise UntrustedJSONError(f"number out of range: {text[:40]}")
    return value


def loads(text: str) -> Any:
    """Decode `text`; UntrustedJSONError (a ValueError) for anything but bounded JSON."""
    if nesting_depth_exceeds(text):
        raise UntrustedJSONError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UntrustedJSONError:
        raise
    except ValueError as exc:  # JSONDecodeError, too many digits in an integer
        raise UntrustedJSONError(str(exc)[:200]) from None
