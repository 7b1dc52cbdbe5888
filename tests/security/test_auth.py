"""Off loopback nobody without the token gets in: every operation of the schema, the live feed, cookies."""

from __future__ import annotations

import hmac
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.security.conftest import TOKEN
from tests.support.webservice import Service
from webapi.app import create_app
from webapi.core.auth import COOKIE
from webapi.core.settings import load_settings

OPEN = {("GET", "/api/health")}
# Same length as the real token, one character off: a comparison that stops early would still refuse it.
NEAR_MISS = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")
BAD_CREDENTIALS: dict[str, dict[str, Any]] = {
    "none": {},
    "wrong bearer": {"headers": {"Authorization": f"Bearer {NEAR_MISS}"}},
    "other scheme": {"headers": {"Authorization": f"Basic {TOKEN}"}},
    "wrong login link": {"params": {"token": NEAR_MISS}},
    "forged cookie": {"headers": {"Cookie": f"{COOKIE}={TOKEN}"}},
}


def _operations(client: httpx.Client) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    found = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "delete", "patch"}
    ]
    return [
        (method, path) for method, path in found if path.startswith("/api/") and (method, path) not in OPEN
    ]


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS), ids=str)
def test_every_api_operation_refuses_bad_credentials(exposed: Service, credentials: str) -> None:
    with exposed.client() as client:
        operations = _operations(client)
        assert {"POST", "PUT", "DELETE"} <= {method for method, _path in operations}
        accepted = [
            (method, path, response.status_code)
            for method, path in operations
            if (response := client.request(method, path, json={}, **BAD_CREDENTIALS[credentials])).status_code
            != 401
        ]
    assert accepted == []


def test_the_right_token_gets_through(exposed: Service) -> None:
    with exposed.client() as client:
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        )
        login = client.get("/api/cluster/nodes", params={"token": TOKEN})
        assert login.status_code == 200 and COOKIE in login.headers["set-cookie"]
        assert "HttpOnly" in login.headers["set-cookie"]
        assert client.get("/api/cluster/nodes").status_code == 200  # the login cookie
        assert client.get("/api/health").status_code == 200


def test_the_wheelhouse_index_is_open_and_opens_nothing_else(exposed: Service) -> None:
    """Nodes install from /simple/ before they hold any secret: it needs no token, read-only."""
    with exposed.client() as client:
        assert client.get("/simple/").status_code == 200
        assert client.get("/simple/dispycluster/").status_code == 404  # no wheelhouse built: not a 401
        assert client.post("/simple/").status_code == 405
        for path in ("/simple/../api/cluster/nodes", "/simple/%2E%2E/api/cluster/nodes", "/api/simple/"):
            assert client.get(path).status_code in (401, 404), path
        assert client.get("/api/cluster/nodes").status_code == 401


def test_the_live_feed_needs_the_token_too(exposed: Service) -> None:
    ws_url = exposed.url.replace("http://", "ws://") + "/ws"
    with pytest.raises(InvalidStatus) as refused, connect(ws_url, open_timeout=5):
        pass
    assert refused.value.response.status_code == 403
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {TOKEN}"}, open_timeout=5) as socket:
        assert socket.protocol.state.name == "OPEN"


def test_token_comparison_goes_through_compare_digest(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Constant time: every candidate token (header, link, cookie) is compared by `hmac.compare_digest`."""
    seen: list[bytes] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    with TestClient(create_app(load_settings(data_dir=tmp_path, api_token=TOKEN))) as client:
        client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {NEAR_MISS}"})
        client.get("/api/cluster/nodes", params={"token": "from-a-link-0000"})
        client.get("/api/cluster/nodes", headers={"Cookie": f"{COOKIE}=forged-cookie"})
    assert NEAR_MISS.encode() in seen and b"from-a-link-0000" in seen and b"forged-cookie" in seen
