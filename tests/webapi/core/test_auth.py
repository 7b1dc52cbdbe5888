"""Token or not: decided from where the server really listens, the peer, the `Host` and proxies."""

from __future__ import annotations

import errno
import os
import socket
import stat

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_client
from tests.support.webservice import run_service
from webapi.app import create_app
from webapi.core.auth import COOKIE, TokenError, load_or_create_token
from webapi.core.exposure import Exposure, is_loopback_address, listening_addresses
from webapi.core.settings import load_settings

TOKEN = "s3cret-token-for-tests"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.4.3.2", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"])
def test_loopback_addresses(host):
    assert is_loopback_address(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "node1.lan", "", "localhost.evil.example"])
def test_addresses_beyond_loopback(host):
    assert not is_loopback_address(host)


@pytest.mark.parametrize(("bind", "family"), [("127.0.0.1", socket.AF_INET), ("0.0.0.0", socket.AF_INET)])
def test_the_listening_sockets_of_this_process_are_found(bind, family):
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.bind((bind, 0))
        port = server.getsockname()[1]
        assert listening_addresses(port) == []  # bound, not listening yet
        server.listen()
        assert listening_addresses(port) == [bind]


def _scope(port: int, host: bytes = b"127.0.0.1", client: str = "127.0.0.1", **headers: bytes) -> dict:
    pairs = [(b"host", host), *((name.replace("_", "-").encode(), value) for name, value in headers.items())]
    return {"type": "http", "server": ("127.0.0.1", port), "client": (client, 40000), "headers": pairs}


def test_local_only_when_everything_says_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        exposure = Exposure()
        assert exposure.local_only(_scope(port, host=f"localhost:{port}".encode()))
        assert exposure.local_only(_scope(port, host=b"[::1]"))
        assert not exposure.local_only(_scope(port, host=b"rebound.evil.example"))
        assert not exposure.local_only(_scope(port, client="192.168.1.5"))
        assert not exposure.local_only(_scope(port, x_forwarded_for=b"192.168.1.5"))
        assert not exposure.local_only(_scope(port, forwarded=b"for=192.168.1.5"))
        assert not exposure.local_only(_scope(port + 1 if port < 65535 else port - 1))  # nobody listens
        assert not exposure.local_only({"type": "http", "server": None, "client": None, "headers": []})


def test_a_token_is_generated_once_into_a_private_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data")
    token = load_or_create_token(settings)
    path = tmp_path / "data" / "api_token"
    assert len(token) >= 32 and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_token(settings) == token


@pytest.mark.parametrize("content", ["", "\n", "   \n", "short-token\n"])
def test_a_blank_or_short_token_file_is_refused(tmp_path, content):
    (tmp_path / "api_token").write_text(content)
    with pytest.raises(TokenError, match="blank or shorter"):
        load_or_create_token(load_settings(data_dir=tmp_path))


def test_a_full_disk_leaves_no_token_file(tmp_path, monkeypatch):
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TokenError, match="No space left"):
        load_or_create_token(load_settings(data_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_in_process_client_is_not_taken_for_a_local_one(tmp_path):
    """Starlette's TestClient has no socket to look at: unsure, so the token is required."""
    with TestClient(create_app(load_settings(data_dir=tmp_path))) as client:
        assert client.get("/api/cluster/nodes").status_code == 401
        token = (tmp_path / "api_token").read_text().strip()
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )


def test_a_configured_token_is_required(tmp_path):
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
    with in_process_client(settings) as client:
        allowed = client.get("/api/health", headers={"Origin": "http://ui.lan:3000"})
        assert allowed.headers["access-control-allow-origin"] == "http://ui.lan:3000"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = client.get("/api/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with in_process_client(load_settings(data_dir=tmp_path / "b")) as client:
        assert (
            "access-control-allow-origin"
            not in client.get("/api/health", headers={"Origin": "http://ui.lan:3000"}).headers
        )


def test_on_loopback_no_token_is_needed(tmp_path):
    with run_service(tmp_path) as service, service.client() as client:
        assert client.get("/api/cluster/nodes").status_code == 200
        assert client.post("/api/monitoring/collect_metrics").status_code == 200
        assert "no token needed from this machine" in service.log.read_text()


def test_bound_beyond_loopback_every_api_call_but_health_needs_the_token(tmp_path):
    with run_service(tmp_path, host="0.0.0.0") as service, service.client() as client:
        assert client.get("/api/health").status_code == 200
        assert client.get("/metrics").status_code == 200
        token = (service.data_dir / "api_token").read_text().strip()
        for path in ("/api/cluster/nodes", "/api/cluster/overview", "/api/monitoring/alerts"):
            assert client.get(path).status_code == 401
        assert client.get("/api/cluster/nodes", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
        assert client.post("/api/monitoring/collect_metrics").status_code == 401
        assert client.post("/api/jobs/batch", json={"jobs": []}).status_code == 401
        login = client.get("/api/cluster/health", params={"token": token})
        assert login.status_code == 200 and COOKIE in login.cookies
        assert client.get("/api/cluster/nodes").status_code == 200  # the cookie now rides along
        batch = {"jobs": [{"name": "b", "type": "processing", "parameters": {"command": ["true"]}}]}
        assert client.post("/api/jobs/batch", json=batch).status_code == 201
        foreign = client.post("/api/jobs/batch", json=batch, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        log = service.log.read_text()
        assert "the API token is required" in log
        assert token not in log  # neither printed nor in the access log of the `?token=` request


def test_a_generated_token_never_starts_with_a_dash(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """`dispycluster job list --token -Xy…` failed: argparse took the token for an option (1 in 64)."""
    drawn = iter(["-dash-first-0123456789abcdef", "-dash-again-0123456789abcdef", "plain-0123456789abcdef"])
    monkeypatch.setattr("webapi.core.auth.secrets.token_urlsafe", lambda _size: next(drawn))
    assert load_or_create_token(load_settings(data_dir=tmp_path)) == "plain-0123456789abcdef"
