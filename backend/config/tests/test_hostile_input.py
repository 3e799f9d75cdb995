"""Malformed and hostile requests to the REST API: each is a 4xx with a clear JSON error,
never a 500 (issue #14). The fuzzers of test_fuzz_api and test_fuzz_websocket try many more
against a real server; these pin the cases found by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from config.api import untrusted_json
from config.api.parsers import JSONBodyParser

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
TOO_BIG = str(2**63)  # one past the largest database integer


@pytest.fixture
def staff_api(staff_user: User) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(staff_user)
    return client


def api_views() -> Iterator[tuple[str, Any]]:
    """(route, view class) of every Django REST framework view in the URL configuration."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield prefix + str(pattern.pattern), pattern.callback.cls

    yield from walk(get_resolver().url_patterns, "/")


def documented_paths() -> list[str]:
    """Every path of the OpenAPI schema, with a plausible value in each path parameter."""
    values = {"id": "1", "job_id": "6f1c2b0e-0000-4000-8000-000000000000", "worker": "w@host",
              "task_name": "deploy.deploy_vm", "task_id": "abc", "name": "celery"}  # fmt: skip
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path in schema["paths"]:
        actions = {"/workers/": "shutdown", "/queues/": "pause"}
        values["action"] = next((a for part, a in actions.items() if part in path), "rate-limit")
        paths.append(re.sub(r"\{(\w+)\}", lambda match: values[match[1]], path))
    return paths


# --- JSON bodies ----------------------------------------------------------------------------


def test_every_api_view_reads_json_through_the_bounded_parser() -> None:
    views = list(api_views())

    assert len(views) > 20
    for route, view in views:
        json_parsers = [p for p in view().get_parsers() if "json" in p.media_type]
        assert all(isinstance(p, JSONBodyParser) for p in json_parsers), route


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/login/"])
def test_deeply_nested_json_to_the_auth_views_is_a_400(path: str) -> None:
    client = APIClient(raise_request_exception=False)

    response = client.post(path, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Malformed JSON body: nested deeper than 64 levels",
        "errors": {"non_field_errors": ["Malformed JSON body: nested deeper than 64 levels"]},
    }


def test_deeply_nested_json_to_an_authenticated_view_is_a_400(staff_api: APIClient) -> None:
    nested: Any = {"type": "object"}
    for _ in range(untrusted_json.MAX_DEPTH):
        nested = {"type": "object", "properties": {"x": nested}}

    response = staff_api.post(
        "/api/tasks/templates/",
        {"name": "deep", "task_name": "deploy.deploy_vm", "params_schema": nested},
        format="json",
    )

    assert response.status_code == 400
    assert "nested deeper than 64 levels" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    ['{"username": NaN, "password": "x"}', '{"username": 1e999}', '"\\ud800', b"\xff\xfe{}"],
)
def test_non_json_numbers_and_bad_text_are_a_400(body: str | bytes) -> None:
    client = APIClient(raise_request_exception=False)

    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed JSON body")


def test_a_json_body_over_the_upload_limit_is_a_413(settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient(raise_request_exception=False)
    body = '{"username": "' + "x" * 1000 + '", "password": "y"}'

    response = client.post("/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 1000 bytes.",
        "errors": {"non_field_errors": ["The request body is larger than 1000 bytes."]},
    }


def test_nesting_is_measured_outside_strings_and_up_to_the_limit() -> None:
    at_limit = "[" * untrusted_json.MAX_DEPTH + "]" * untrusted_json.MAX_DEPTH

    assert untrusted_json.loads(at_limit)
    assert untrusted_json.loads('{"brackets": "' + "[[{{" * 100 + '"}')  # inside strings
    assert untrusted_json.loads(r'["\"[[[[[[\\", {"a": []}]') == ['"[[[[[[\\', {"a": []}]
    with pytest.raises(untrusted_json.UntrustedJSONError, match="nested deeper than 64"):
        untrusted_json.loads("[" + at_limit + "]")


# --- integers in query strings and paths ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/api/edi/invoices/?supplier={TOO_BIG}", 400),
        (f"/api/tasks/executions/?user={TOO_BIG}", 400),
        (f"/api/tasks/executions/1/logs/?after_seq={TOO_BIG}", 404),  # no execution 1
        (f"/api/tasks/stats/?days={TOO_BIG}", 400),
        (f"/api/tasks/notifications/?page_size={TOO_BIG}", 200),  # at most 200 per page
        (f"/api/tasks/executions/?page_size={TOO_BIG}", 400),  # 25, 50, 100 or 200
        (f"/api/tasks/executions/?page={TOO_BIG}", 404),
    ],
)
def test_integer_query_parameters_past_the_database_range_are_not_a_500(
    staff_api: APIClient, url: str, status: int
) -> None:
    response = staff_api.get(url)

    assert response.status_code == status
    assert response.json()


def test_an_out_of_range_supplier_is_a_400_naming_it(staff_api: APIClient) -> None:
    response = staff_api.get(f"/api/edi/invoices/?supplier={TOO_BIG}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_ids_in_paths_past_the_database_range_are_a_404(staff_api: APIClient, method: str) -> None:
    routes = [path for path in documented_paths() if "/1/" in path]

    assert len(routes) >= 6
    for path in routes:
        response = getattr(staff_api, method)(path.replace("/1/", f"/{TOO_BIG}/"), format="json")
        assert response.status_code in (404, 405), (path, response.status_code)


# --- OPTIONS ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["user", "staff_user"])
def test_options_answers_200_on_every_documented_endpoint(request, who: str) -> None:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(request.getfixturevalue(who))

    allowed = {200, 403} if who == "user" else {200}  # users may not ask about staff views
    for path in documented_paths():
        response = client.options(path)
        assert response.status_code in allowed, (path, response.status_code)
        if response.status_code == 200:
            assert response.json()["name"], path
