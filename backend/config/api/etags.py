"""ETags of executions (from `seq`) and the headers that go with them, 200 or 304.

Shared by the REST detail view and the conditional polls answered in front of Django
(config.api.polls), so that both answer with the same ETag and headers.
"""

from __future__ import annotations

from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework.response import Response

# What the execution detail sends with every answer, 200 or 304 (RFC 9110 15.4.5: a 304
# repeats the 200's Cache-Control, ETag and Vary).
CACHE_CONTROL = "no-cache, private"
VARY = ("Accept", "Authorization", "Cookie")


def execution_etag(execution_id: int, seq: int) -> str:
    return f'W/"{execution_id}-{seq}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110): `W/` prefixes do not count; `*` matches anything."""
    wanted = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def with_cache_headers(response: Response, etag: str) -> Response:
    """The ETag, Cache-Control and Vary of an execution's answer."""
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, VARY)
    return response
