"""The HTTP side of Flower: one keep-alive Session per process and bounded reads of its answers.

A read never costs more than its budget: socket timeouts bound the connect and each read,
`read_body` bounds the whole body (a Flower that drips its answer is cut at the deadline),
and anything but a usable answer is FlowerUnavailable.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.adapters import HTTPAdapter

CONNECT_TIMEOUT = 0.5
MAX_BODY_BYTES = 16 * 1024 * 1024


class FlowerUnavailable(Exception):
    """Flower gave no usable answer: unreachable, too slow, an error status, or not JSON."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace").strip()[:1000]

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):
            raise FlowerUnavailable("the answer is not JSON") from None
        if not isinstance(data, dict):
            raise FlowerUnavailable("the answer is not a JSON object")
        return data


@cache
def http() -> requests.Session:
    """One Session per process, so keep-alive connections to Flower are reused.

    It keeps no cookie: the /flower/ proxy serves every staff user through it, and a cookie
    that Flower set in one user's answer (its _xsrf) would go with everyone's next request."""
    session = requests.Session()
    session.trust_env = False  # Flower is internal: no proxy or .netrc from the environment
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def checked_json(answer: Answer) -> dict[str, Any]:
    """The JSON object of a successful read; anything else means Flower is not usable."""
    if answer.status == 401:
        raise FlowerUnavailable("Flower refused FLOWER_USER / FLOWER_PASSWORD")
    if answer.status != 200:
        raise FlowerUnavailable(f"HTTP {answer.status}")
    return answer.json()


def read_body(response: requests.Response, deadline: float) -> bytes:
    chunks, size = [], 0
    for chunk in response.raw.stream(64 * 1024, decode_content=True):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise FlowerUnavailable("the answer is too large")
        if time.monotonic() > deadline:
            raise FlowerUnavailable("the answer took too long")
        chunks.append(chunk)
    return b"".join(chunks)
