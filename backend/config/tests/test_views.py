import pytest
from django.test import Client


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404() -> None:
    response = Client().get("/api/no/such/thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_client_side_routes_get_the_app_or_a_clear_503(settings, tmp_path) -> None:
    settings.FRONTEND_DIST = tmp_path
    assert Client().get("/tasks/12").status_code == 503

    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    response = Client().get("/tasks/12")

    assert response.status_code == 200
    assert b"<div id=root>" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response["Cache-Control"] == "no-cache"
