"""Static assets: the vendored chart library and our modules, all served by the service."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_client
from tests.support.processes import free_port
from webapi.core.settings import load_settings
from webapi.ui.assets import PLOTLY_FILE, STATIC_DIR, module_graph, plotly_asset


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("assets"), dispy_port=free_port())
    with in_process_client(settings) as test_client:
        yield test_client


def test_chart_library_is_vendored_gzipped_and_cached_for_a_year_under_its_hash(client):
    asset = plotly_asset()
    assert asset.raw == PLOTLY_FILE.read_bytes()
    assert asset.digest == hashlib.sha256(asset.raw).hexdigest()[:16]
    response = client.get(asset.url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(asset.gzipped) < len(asset.raw) // 2
    assert response.content == asset.raw  # httpx undoes the gzip
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_chart_library_without_gzip_comes_plain(client):
    response = client.get(plotly_asset().url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.content == plotly_asset().raw


def test_pages_name_the_chart_library_by_its_hashed_url(client):
    page = client.get("/monitoring")
    assert f'data-plotly="{plotly_asset().url}"' in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/0000000000000000/plotly-basic.min.js",
        f"/static/vendor/{plotly_asset().digest}/plotly.min.js",
    ],
)
def test_another_version_of_the_chart_library_is_a_404_that_names_this_one(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert plotly_asset().url in response.json()["error"]["message"]


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


def test_module_graph_names_every_module_a_page_imports_directly_or_not():
    graph = module_graph("pages/node.js")
    # node.js → nodeform.js → schemaform.js → argv.js: three levels down.
    assert (
        "/static/js/argv.js" in graph and "/static/js/history.js" in graph and "/static/js/charts.js" in graph
    )
    assert "/static/js/pages/node.js" not in graph
    assert all((STATIC_DIR / url.removeprefix("/static/")).is_file() for url in graph)


@pytest.mark.parametrize("page", ["/", "/jobs", "/jobs/1", "/nodes", "/nodes/x", "/monitoring"])
def test_pages_preload_their_whole_module_graph(client, page):
    html = client.get(page).text
    script = re.search(r'<script type="module" src="([^"]+)"', html).group(1)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    assert preloaded == {script, *module_graph(script.removeprefix("/static/js/"))}
