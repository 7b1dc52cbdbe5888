"""CORS refuses unknown origins and never pairs `*` with credentials; every answer carries the headers."""

from __future__ import annotations

import pytest

from tests.security.conftest import TOKEN
from tests.support.app import in_process_client
from tests.support.webservice import Service
from webapi.core.settings import load_settings

PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization"}


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_preflight_from_an_unknown_origin_is_refused(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, cors_origins="http://ui.lan:3000")
    with in_process_client(settings) as client:
        known = client.options("/api/jobs", headers={"Origin": "http://ui.lan:3000", **PREFLIGHT})
        assert known.headers["access-control-allow-origin"] == "http://ui.lan:3000"
        unknown = client.options("/api/jobs", headers={"Origin": "http://evil.example", **PREFLIGHT})
        assert unknown.status_code == 400 and "access-control-allow-origin" not in unknown.headers
        simple = client.post("/api/cluster/nodes", json={}, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in simple.headers


def test_a_wildcard_origin_never_comes_with_credentials(tmp_path) -> None:
    with in_process_client(load_settings(data_dir=tmp_path, cors_origins="*")) as client:
        for response in (
            client.get("/api/health", headers={"Origin": "http://any.example"}),
            client.options("/api/jobs", headers={"Origin": "http://any.example", **PREFLIGHT}),
        ):
            assert response.headers.get("access-control-allow-credentials") != "true"


@pytest.mark.parametrize(
    ("path", "authorized"),
    [
        ("/", True),
        ("/nodes", True),
        ("/static/favicon.svg", True),
        ("/api/health", False),
        ("/api/cluster/overview", True),
        ("/api/cluster/overview", False),  # the 401 made by the auth middleware
        ("/api/cluster/nodes/unknown-node", True),  # a 404 error answer
        ("/api/jobs?limit=100000", True),  # a 422 error answer
        ("/metrics", False),
        ("/openapi.json", False),
        ("/no/such/page", False),
    ],
)
def test_every_answer_carries_the_security_headers(exposed: Service, path: str, authorized: bool) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"} if authorized else {}
    with exposed.client() as client:
        response = client.get(path, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = _directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    script = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script


def test_the_interactive_docs_still_may_not_be_framed(exposed: Service) -> None:
    with exposed.client() as client:
        response = client.get("/docs")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
