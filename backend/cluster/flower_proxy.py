"""The Flower dashboard at /flower/, for staff sessions only: a streaming reverse proxy.

Flower's API was reachable without authentication for years (CVE-2022-30034 bypassed its
OAuth check), so Flower is never exposed: `make run` binds it to loopback, compose keeps it
on the internal network, and it still requires its own basic auth as a second lock. Only
this view reaches it for a browser, and only for a staff session: anonymous visitors are
sent to the login page (/login?next=...), logged-in users without staff get a 403. The
view adds Flower's credentials server-side and never forwards the browser's Cookie or
Authorization, so neither side learns the other's secrets.

Flower 2.x pages poll over XHR (/flower/workers?json=1, /flower/tasks/datatable); they use
no WebSocket, so plain HTTP proxying is the whole job. Unsafe methods (the dashboard's
buttons: pool grow, shutdown, revoke...) must come from this site: the session cookie would
otherwise make them cross-site-forgeable, and Flower's form token is not Django's.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import AsyncIterator, Iterator

import requests
from asgiref.sync import sync_to_async
from csp.constants import SELF, UNSAFE_HASHES
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.views.decorators.csrf import csrf_exempt
from urllib3.exceptions import HTTPError as Urllib3Error

from cluster.flower.client import http
from cluster.flower.service import FlowerService

logger = logging.getLogger(__name__)

LOGIN_URL = "/login"  # the React app's login page; it honours ?next=
CHUNK_BYTES = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
})  # fmt: skip
# Django's own credentials stay here; Flower would compare Origin with its own host.
NOT_FORWARDED = HOP_BY_HOP | {"host", "cookie", "authorization", "content-length", "origin"}
# Flower's cookie (_xsrf) is not needed with basic auth; its 401 challenge must not reach
# the browser (it would ask the user for Flower's password).
NOT_RETURNED = HOP_BY_HOP | {"set-cookie", "www-authenticate"}


# Flower 2.2's pages have one inline script (the workers page sets `autorefresh`, 1 or 0)
# and one style attribute (a column's width on a worker's page): the dashboard's policy
# allows exactly these by hash and nothing else inline. cluster/tests/test_live_flower.py
# checks them against a real Flower's pages.
FLOWER_INLINE_SCRIPTS = ("\nvar autorefresh = 1;\n", "\nvar autorefresh = 0;\n")
FLOWER_STYLE_ATTRIBUTES = ("width: 125px;",)


def source_hash(text: str) -> str:
    """The CSP source expression that allows this exact inline text."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


FLOWER_POLICY = {
    "script-src": [SELF, *map(source_hash, FLOWER_INLINE_SCRIPTS)],
    # Hashes apply to style attributes only with 'unsafe-hashes' (CSP level 3).
    "style-src-attr": [UNSAFE_HASHES, *map(source_hash, FLOWER_STYLE_ATTRIBUTES)],
}


def refusal(request: HttpRequest) -> HttpResponseBase | None:
    """Why this request may not see Flower, as a response; None for a staff session."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=LOGIN_URL)
    if not (user.is_active and user.is_staff):
        return HttpResponse(
            "Only staff may open the Flower dashboard.", status=403, content_type="text/plain"
        )
    if request.method not in SAFE_METHODS and not same_site(request):
        return HttpResponse("Cross-site request refused.", status=403, content_type="text/plain")
    return None


def same_site(request: HttpRequest) -> bool:
    """Fetch metadata when the browser sends it, else Origin against this site's origins."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    return origin is not None and origin in allowed


def forwarded_headers(request: HttpRequest) -> dict[str, str]:
    listed = {h.strip().lower() for h in request.headers.get("Connection", "").split(",")}
    return {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in NOT_FORWARDED and name.lower() not in listed
    }


def open_upstream(request: HttpRequest, body: bytes) -> requests.Response:
    service = FlowerService.from_settings()
    query = request.META.get("QUERY_STRING", "")
    url = f"{service.base_url}{escape_uri_path(request.path)}{'?' + query if query else ''}"
    return http().request(
        request.method or "GET", url, data=body or None, headers=forwarded_headers(request),
        auth=service.auth, stream=True, allow_redirects=False,
        timeout=(settings.FLOWER_TIMEOUT, settings.FLOWER_PROXY_TIMEOUT),
    )  # fmt: skip


def body_chunks(upstream: requests.Response) -> Iterator[bytes]:
    """Flower's bytes as they come (still compressed if they were: headers say so)."""
    try:
        yield from upstream.raw.stream(CHUNK_BYTES, decode_content=False)
    except (Urllib3Error, requests.RequestException, OSError) as exc:
        logger.warning("Flower stopped mid-answer: %r", exc)  # the browser sees a short body
    finally:
        upstream.close()


def streamed(
    chunks: Iterator[bytes], request: HttpRequest
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """Under ASGI, each read runs in a worker thread, so a slow Flower holds no event loop
    and Django does not buffer the whole answer first."""
    if not isinstance(request, ASGIRequest):
        return chunks

    def next_chunk() -> bytes | None:
        return next(chunks, None)

    async def pump() -> AsyncIterator[bytes]:
        while (chunk := await sync_to_async(next_chunk, thread_sensitive=False)()) is not None:
            yield chunk

    return pump()


def proxied(upstream: requests.Response, request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        streamed(body_chunks(upstream), request), status=upstream.status_code
    )
    for name, value in upstream.headers.items():
        if name.lower() not in NOT_RETURNED:
            response[name] = value
    patch_vary_headers(response, ["Cookie"])
    return response


def unavailable(message: str) -> HttpResponse:
    return HttpResponse(message, status=502, content_type="text/plain")


@csp_replace(FLOWER_POLICY)
@csrf_exempt  # same_site() guards the unsafe methods; Flower's pages send no Django token
def flower_dashboard(request: HttpRequest, path: str = "") -> HttpResponseBase:
    """Any method on /flower/<path>, passed to Flower for staff."""
    refused = refusal(request)
    if refused is not None:
        return refused
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("Request body too large.", status=413, content_type="text/plain")
    try:
        upstream = open_upstream(request, body)
    except requests.RequestException as exc:
        logger.warning("Flower is not reachable: %r", exc)
        return unavailable("Flower is not reachable right now; try again shortly.")
    if upstream.status_code == 401:
        upstream.close()
        logger.error("Flower refused FLOWER_USER / FLOWER_PASSWORD")
        return unavailable("Flower refused TaskPulse's credentials (FLOWER_USER, FLOWER_PASSWORD).")
    return proxied(upstream, request)
