"""The page routes: security headers, language switch, template escaping (the app in-process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_client
from tests.support.processes import free_port
from webapi.core.settings import load_settings

PAGES = ["/", "/jobs", "/jobs/12", "/nodes", "/nodes/node1", "/monitoring"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("pages"),
        dispy_port=free_port(),
        grafana_url="http://grafana.test:3000",
    )
    with in_process_client(settings) as test_client:
        yield test_client


@pytest.mark.parametrize("path", PAGES)
def test_pages_forbid_inline_script_and_framing(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    # No inline script: every <script> either loads a file or is a JSON data block.
    for tag in response.text.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert 'src="/static/' in head or 'type="application/json"' in head
    assert "onclick" not in response.text and "onerror" not in response.text


def test_layout_links_to_grafana_when_configured(client):
    assert 'href="http://grafana.test:3000/d/dispycluster-overview"' in client.get("/").text
    assert 'data-grafana-node="http://grafana.test:3000/d/dispycluster-node"' in client.get("/nodes/n1").text


def test_the_node_form_suggests_the_default_dispy_node_port(client):
    (field,) = [tag for tag in client.get("/nodes").text.split("<input")[1:] if 'name="dispy_port"' in tag]
    assert 'placeholder="9701"' in field.split(">", 1)[0]


def test_path_values_are_escaped_into_the_page(client):
    response = client.get("/nodes/%3Cimg%20src%3Dx%3E")
    assert "<img src=x>" not in response.text
    assert 'data-node-name="&lt;img src=x&gt;"' in response.text


def test_language_switch_sets_the_cookie_and_goes_back(client):
    response = client.get("/ui/lang/fr?next=/jobs%3Fstatus%3Dfailed", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs?status=failed"
    assert "lang=fr" in response.headers["set-cookie"]
    page = client.get("/jobs")
    client.cookies.clear()
    assert '<html lang="fr">' in page.text and "Tableau de bord" in page.text


@pytest.mark.parametrize("target", ["https://evil.test/x", "//evil.test/x", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/ui/lang/en", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//")


def test_unknown_language_is_a_clear_404(client):
    response = client.get("/ui/lang/xx", follow_redirects=False)
    assert response.status_code == 404
    assert "unknown language 'xx'" in response.json()["error"]["message"]
