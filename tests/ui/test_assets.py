"""Static assets: plotly.js from the installed plotly package, our modules, all served by the service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_client
from tests.support.processes import free_port
from webapi.settings import load_settings
from webapi.ui.assets import STATIC_DIR, plotly_bundle


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("assets"), dispy_port=free_port())
    with in_process_client(settings) as test_client:
        yield test_client


def test_plotly_comes_from_the_plotly_package(client):
    bundle = plotly_bundle()
    assert bundle is not None and bundle.parts[-3:] == ("plotly", "package_data", "plotly.min.js")
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.content == bundle.read_bytes()
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not (STATIC_DIR / "vendor").exists()


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/js/live.js", "text/javascript"),
        ("/static/css/app.css", "text/css"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_own_assets_are_served_with_nosniff(client, path, media_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_asset_refers_to_another_origin():
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".js", ".css", ".svg"}:
            text = path.read_text()
            assert "https://" not in text and "http://" not in text.replace(
                "http://www.w3.org/2000/svg", ""
            ), path


def test_missing_asset_is_a_404(client):
    assert client.get("/static/js/nope.js").status_code == 404
