import stat

import pytest
from fastapi.testclient import TestClient

from tests.webapi.conftest import run_service
from webapi.app import create_app
from webapi.auth import COOKIE, auth_required, is_loopback_host, resolve_token
from webapi.settings import load_settings

TOKEN = "s3cret-token-for-tests"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.4.3.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "node1.lan", ""])
def test_hosts_beyond_loopback(host):
    assert not is_loopback_host(host)


def test_auth_follows_the_host_unless_a_token_is_configured(tmp_path):
    assert not auth_required(load_settings(host="127.0.0.1", data_dir=tmp_path))
    assert auth_required(load_settings(host="0.0.0.0", data_dir=tmp_path))
    assert auth_required(load_settings(host="127.0.0.1", api_token=TOKEN, data_dir=tmp_path))


def test_a_token_is_generated_once_into_the_data_dir(tmp_path):
    settings = load_settings(host="0.0.0.0", data_dir=tmp_path / "data")
    token = resolve_token(settings)
    path = tmp_path / "data" / "api_token"
    assert token and len(token) >= 32 and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_token(settings) == token
    assert resolve_token(load_settings(host="127.0.0.1", data_dir=tmp_path / "other")) is None
    assert not (tmp_path / "other").exists()


def test_loopback_without_a_token_is_open(tmp_path):
    with TestClient(create_app(load_settings(data_dir=tmp_path))) as client:
        assert client.get("/api/cluster/nodes").status_code == 200


def test_a_configured_token_is_required_on_loopback_too(tmp_path):
    with TestClient(create_app(load_settings(data_dir=tmp_path, api_token=TOKEN))) as client:
        refused = client.get("/api/cluster/nodes")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["error"]["status"] == 401
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        )
        assert client.get("/api/health").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_cors_only_for_configured_origins(tmp_path):
    settings = load_settings(data_dir=tmp_path, cors_origins="http://ui.lan:3000")
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/api/health", headers={"Origin": "http://ui.lan:3000"})
        assert allowed.headers["access-control-allow-origin"] == "http://ui.lan:3000"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = client.get("/api/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(load_settings(data_dir=tmp_path / "b"))) as client:
        assert (
            "access-control-allow-origin"
            not in client.get("/api/health", headers={"Origin": "http://ui.lan:3000"}).headers
        )


def test_bound_beyond_loopback_every_api_call_but_health_needs_the_token(tmp_path):
    with run_service(tmp_path, host="0.0.0.0") as service, service.client() as client:
        token = (service.data_dir / "api_token").read_text().strip()
        assert f"?token={token}" in service.log.read_text()
        assert client.get("/api/health").status_code == 200
        assert client.get("/metrics").status_code == 200
        for path in ("/api/cluster/nodes", "/api/cluster/overview", "/api/monitoring/alerts"):
            assert client.get(path).status_code == 401
        assert client.get("/api/cluster/nodes", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
        assert client.post("/api/monitoring/collect_metrics").status_code == 401
        login = client.get("/api/cluster/health", params={"token": token})
        assert login.status_code == 200 and COOKIE in login.cookies
        assert client.get("/api/cluster/nodes").status_code == 200  # the cookie now rides along
