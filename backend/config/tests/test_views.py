import re

import pytest
from django.contrib.staticfiles import finders
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
    assert b"<div id=root>" in response.content
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_docs_load_nothing_from_another_origin(page: str, settings) -> None:
    client = Client()
    html = client.get(page).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)

    assert sources, html
    assert "//" not in " ".join(sources)  # no absolute URL, no protocol-relative one
    for source in sources:
        assert source.startswith(settings.STATIC_URL), source
        assert finders.find(source.removeprefix(settings.STATIC_URL)), source
