"""The OpenAPI schema says what the endpoints answer: real answers checked against
/api/schema/ by schemathesis (test_fuzz_api does the same for every endpoint, with
generated requests, against a real server)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(Client().get("/api/schema/?format=json").json())


def conforming_body(schema: schemathesis.BaseSchema, client: APIClient, path: str) -> Any:
    """GET `path` and check the answer against the schema's operation; its JSON body."""
    answer = client.get(path)
    response = schemathesis.Response(
        status_code=answer.status_code,
        headers={name: [value] for name, value in answer.headers.items()},
        content=b"".join(answer) if answer.streaming else answer.content,
        request=requests.Request("GET", f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=True,
    )
    schema[path.split("?")[0]]["GET"].validate_response(response)
    return response.json()


def test_me_answers_null_or_the_user_as_documented(api_schema, user: User) -> None:
    signed_in = APIClient()
    signed_in.force_authenticate(user)

    assert conforming_body(api_schema, APIClient(), "/api/auth/me/") is None
    assert conforming_body(api_schema, signed_in, "/api/auth/me/")["id"] == user.pk


def test_the_json_export_is_an_array_as_documented(api_schema, api: APIClient, user: User) -> None:
    make_execution(user=user, status="SUCCESS")
    make_execution(user=user, status="PENDING")

    rows = conforming_body(api_schema, api, "/api/tasks/executions/export/?format=json")

    assert [row["status"] for row in rows] == ["PENDING", "SUCCESS"]
