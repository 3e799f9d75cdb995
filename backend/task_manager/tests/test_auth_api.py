import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_session_login_needs_csrf_then_sets_the_session(user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    assert client.get("/api/auth/csrf/").status_code == 204
    token = client.cookies["csrftoken"].value

    refused = client.post("/api/auth/login/", {"username": "ana", "password": "ana-password-1"})
    response = client.post(
        "/api/auth/login/",
        {"username": "ana", "password": "ana-password-1"},
        format="json",
        headers={"X-CSRFToken": token},
    )

    assert refused.status_code == 403
    assert response.status_code == 200
    assert response.json() == {"id": user.id, "username": "ana", "is_staff": False}
    assert client.get("/api/auth/me/").json()["username"] == "ana"


def test_wrong_password_is_a_400_with_detail(anonymous_api: APIClient, user: User) -> None:
    response = anonymous_api.post(
        "/api/auth/login/", {"username": "ana", "password": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Wrong username or password."


@pytest.mark.parametrize(
    "body", [{}, {"username": "ana"}, {"username": ["x"], "password": 3}, "not json"]
)
def test_malformed_login_bodies_get_per_field_errors(anonymous_api: APIClient, body) -> None:
    response = anonymous_api.post("/api/auth/login/", body, format="json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_token_endpoint_and_token_authentication(anonymous_api: APIClient, user: User) -> None:
    token = anonymous_api.post(
        "/api/auth/token/", {"username": "ana", "password": "ana-password-1"}, format="json"
    ).json()["token"]

    client = APIClient()
    response = client.get("/api/auth/me/", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200
    assert response.json()["username"] == "ana"


def test_me_without_authentication_is_null(anonymous_api: APIClient) -> None:
    response = anonymous_api.get("/api/auth/me/")

    assert response.status_code == 200
    assert response.json() is None


def test_logout_ends_the_session(user: User) -> None:
    client = APIClient()
    client.force_login(user)

    assert client.post("/api/auth/logout/").status_code == 204
    assert client.get("/api/auth/me/").json() is None
