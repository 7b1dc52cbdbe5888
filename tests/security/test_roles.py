"""Roles: every route of the app has one, and each role gets exactly what the table says, no more.

The matrix is built from the app's own routes (`webapi.core.policy.route_keys`), so a route added
later is in it without anyone writing a case; a route without a line in `ROUTE_ROLES` fails here (and
stops `create_app`). Tokens are made with the real `dispycluster token` command while the service runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.security.conftest import TOKEN
from tests.support.processes import free_port
from tests.support.tokens import ROLES, create_token, role_tokens, service_database, token_cli
from tests.support.webservice import Service, run_service
from webapi.access.wiring import check_declared
from webapi.app import create_app
from webapi.core.auth import COOKIE
from webapi.core.policy import ROUTE_ROLES, RoutePolicy, UndeclaredRoutesError, route_keys, undeclared
from webapi.core.roles import PUBLIC, Role
from webapi.core.settings import load_settings

SAMPLE_PARAMS = {
    "job_id": "1",
    "node_name": "no-such-node",
    "name": "no-such-token",
    "project": "no-such-project",
    "filename": "x-1.0-py3-none-any.whl",
    "digest": "0",
    "language": "en",
}
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(load_settings(data_dir=tmp_path_factory.mktemp("app")))


@pytest.fixture(scope="module")
def tokens(exposed: Service) -> dict[str, str]:
    return role_tokens(exposed.data_dir, "matrix")


@pytest.fixture(scope="module")
def exposed_db(exposed: Service) -> dict[str, str]:
    """For `dispycluster token` run from a test on the module's service."""
    return service_database()


def _wait_for(probe, what: str, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def test_every_route_of_the_app_has_a_role_and_every_line_a_route(app: FastAPI) -> None:
    keys = list(route_keys(app))
    assert "WS /ws" in keys and "MOUNT /static" in keys and "GET /docs" in keys and "GET /simple/" in keys
    assert undeclared(app) == []
    assert sorted(set(ROUTE_ROLES) - set(keys)) == [], "lines in ROUTE_ROLES for routes that do not exist"


def test_a_route_without_a_role_stops_the_app(app: FastAPI) -> None:
    @app.post("/api/forgotten")
    def forgotten() -> None: ...

    @app.websocket("/ws/forgotten")
    async def forgotten_feed(websocket: WebSocket) -> None: ...

    with pytest.raises(UndeclaredRoutesError, match="POST /api/forgotten, WS /ws/forgotten"):
        check_declared(app)
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", "") not in ("/api/forgotten", "/ws/forgotten")
    ]


def test_the_policy_takes_the_strictest_line_and_guards_unknown_api_paths() -> None:
    policy = RoutePolicy({"GET /api/a/{x}": Role.VIEWER, "GET /api/a/b": Role.ADMIN, "MOUNT /s": PUBLIC})
    assert policy.resolve("GET", "/api/a/b").need is Role.ADMIN
    assert policy.resolve("HEAD", "/api/a/c") == policy.resolve("GET", "/api/a/c")
    assert policy.resolve("GET", "/api/a/c").params == {"x": "c"}
    assert policy.resolve("POST", "/api/a/c").need is Role.VIEWER  # no line: a 405 to be, after a token
    assert policy.resolve("GET", "/api/nothing").need is Role.VIEWER
    assert policy.resolve("GET", "/s/app.css").need == PUBLIC
    assert policy.resolve("GET", "/elsewhere").need == PUBLIC


def _matrix(app: FastAPI) -> Iterator[tuple[str, str, object]]:
    for key in route_keys(app):
        method, _, template = key.partition(" ")
        if method in ("MOUNT", "WS"):
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS[m.group(1)], template)
        yield method, path, ROUTE_ROLES[key]


@pytest.mark.parametrize("caller", ["anonymous", *ROLES])
def test_each_role_gets_exactly_what_the_table_says(
    app: FastAPI, exposed: Service, tokens: dict[str, str], caller: str
) -> None:
    headers = {} if caller == "anonymous" else {"Authorization": f"Bearer {tokens[caller]}"}
    wrong = []
    with exposed.client(headers=headers) as client:
        for method, path, need in _matrix(app):
            response = client.request(method, path, json={} if method in ("POST", "PUT") else None)
            status = response.status_code
            if need == PUBLIC or (caller != "anonymous" and Role(caller).allows(need)):  # type: ignore[arg-type]
                ok = status not in (401, 403) and status < 500
            elif caller == "anonymous":
                ok = status == 401
            else:
                message = response.json()["error"]["message"]
                ok = status == 403 and f"needs the {need} role" in message and f"'matrix-{caller}'" in message
            if not ok:
                wrong.append((method, path, need, status, response.text[:200]))
    assert wrong == []


def test_whoami_names_the_token_and_its_role(exposed: Service, tokens: dict[str, str]) -> None:
    with exposed.client() as client:
        for role, token in tokens.items():
            answer = client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).json()
            assert answer == {"name": f"matrix-{role}", "role": role}
        assert client.get("/api/whoami", headers=ADMIN).json() == {"name": "(service token)", "role": "admin"}
        assert client.get("/api/whoami").status_code == 401


def test_the_live_feed_is_for_viewers_and_up(exposed: Service, tokens: dict[str, str]) -> None:
    ws_url = exposed.url.replace("http://", "ws://") + "/ws"
    for token in tokens.values():
        with connect(
            ws_url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5
        ) as socket:
            assert socket.protocol.state.name == "OPEN"
    with (
        pytest.raises(InvalidStatus),
        connect(ws_url, additional_headers={"Authorization": "Bearer dc_nope"}),
    ):
        pass


def test_a_login_link_with_a_named_token_sets_a_cookie_of_that_role(
    exposed: Service, tokens: dict[str, str]
) -> None:
    with exposed.client() as client:
        login = client.get("/api/whoami", params={"token": tokens["viewer"]})
        assert login.json()["role"] == "viewer" and "HttpOnly" in login.headers["set-cookie"]
        assert client.get("/api/whoami").json()["name"] == "matrix-viewer"  # the cookie rides along
        refused = client.post("/api/monitoring/collect_metrics", headers={"Origin": exposed.url})
        assert refused.status_code == 403 and "needs the operator role" in refused.text
    with exposed.client() as client:
        # The table holds the SHA-256 of each secret: that value is no cookie.
        from webapi.access.service import digest

        forged = {"Cookie": f"{COOKIE}={digest(tokens['admin'])}"}
        assert client.get("/api/whoami", headers=forged).status_code == 401


def test_tokens_made_and_revoked_beside_the_running_service(
    exposed: Service, exposed_db: dict[str, str]
) -> None:
    token = create_token(exposed.data_dir, "short-lived", "operator", env=exposed_db)
    assert len(token) >= 43 and token.startswith("dc_")
    with exposed.client(headers={"Authorization": f"Bearer {token}"}) as client:
        _wait_for(lambda: client.get("/api/whoami").status_code == 200, "the new token works")
        listed = token_cli(exposed.data_dir, "list", env=exposed_db)
        assert "short-lived" in listed.stdout and "operator" in listed.stdout and token not in listed.stdout
        again = token_cli(
            exposed.data_dir, "create", "--name", "short-lived", "--role", "viewer", env=exposed_db
        )
        assert again.returncode == 1 and "exists already" in again.stderr
        assert token_cli(exposed.data_dir, "revoke", "short-lived", env=exposed_db).returncode == 0
        _wait_for(lambda: client.get("/api/whoami").status_code == 401, "the revoked token stops working")
    assert "short-lived" not in token_cli(exposed.data_dir, "list", env=exposed_db).stdout
    with exposed.client(headers=ADMIN) as client:
        from_cli = client.get("/api/audit", params={"method": "CLI", "path": "dispycluster token"}).json()[
            "items"
        ]
    outcomes = {(item["path"], item["target"], item["status"]) for item in from_cli}
    assert {
        ("dispycluster token create", "name=short-lived", 201),
        ("dispycluster token create", "name=short-lived", 409),
        ("dispycluster token revoke", "name=short-lived", 204),
    } <= outcomes
    assert {item["token_name"] for item in from_cli} == {"(command line)"}


def test_bad_cli_input_is_refused_in_words(exposed: Service, exposed_db: dict[str, str]) -> None:
    for args, message in (
        (("create", "--name", "(service token)", "--role", "admin"), "A token name is"),
        (("create", "--name", "x", "--role", "admin", "--expires", "soon"), "neither a duration"),
        (("create", "--name", "x", "--role", "admin", "--expires", "2001-01-01"), "in the past"),
        (("revoke", "nobody"), "No token named"),
    ):
        done = token_cli(exposed.data_dir, *args, env=exposed_db)
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    assert (
        token_cli(exposed.data_dir, "create", "--name", "x", "--role", "root", env=exposed_db).returncode == 2
    )


def test_tokens_through_the_api_expire_and_show_their_last_use(exposed: Service) -> None:
    with exposed.client(headers=ADMIN) as client:
        made = client.post("/api/tokens", json={"name": "api-made", "role": "viewer"})
        assert made.status_code == 201 and made.json()["token"].startswith("dc_")
        secret = made.json()["token"]
        assert client.post("/api/tokens", json={"name": "api-made", "role": "viewer"}).status_code == 409
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        )
        listed = {item["name"]: item for item in client.get("/api/tokens").json()}
        assert listed["api-made"]["last_used_at"] is not None and "token" not in listed["api-made"]
        past = client.post(
            "/api/tokens", json={"name": "old", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}
        )
        assert past.status_code == 422
        assert client.delete("/api/tokens/api-made").status_code == 204
        assert client.delete("/api/tokens/api-made").status_code == 404
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
        )


def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    with run_service(tmp_path, host="0.0.0.0", api_token=TOKEN, dispy_port=str(free_port())) as service:
        token = create_token(service.data_dir, "brief", "viewer", "--expires", "1m")
        with service.client(headers={"Authorization": f"Bearer {token}"}) as client:
            _wait_for(lambda: client.get("/api/whoami").status_code == 200, "the token works")
        # Expiry is checked at each request: push it into the past in the table itself.
        from sqlalchemy import update

        from tests.support.database import database_url
        from webapi.access.tables import TokenRow
        from webapi.core.db.engine import make_engine, make_session_factory

        engine = make_engine(database_url(service.data_dir / "dispycluster.db"))
        with make_session_factory(engine)() as session:
            session.execute(update(TokenRow).values(expires_at=TokenRow.created_at))
            session.commit()
        engine.dispose()
        with service.client(headers={"Authorization": f"Bearer {token}"}) as client:
            _wait_for(lambda: client.get("/api/whoami").status_code == 401, "the expired token is refused")


def test_on_loopback_the_local_operator_is_admin(tmp_path: Path) -> None:
    with run_service(tmp_path, dispy_port=str(free_port())) as service, service.client() as client:
        assert client.get("/api/whoami").json() == {"name": "(local)", "role": "admin"}
        viewer = create_token(service.data_dir, "local-viewer", "viewer")
        # A token sent on loopback names its holder, with its role.
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        _wait_for(lambda: client.get("/api/whoami", headers=as_viewer).json()["role"] == "viewer", "viewer")
        assert client.post("/api/monitoring/collect_metrics", headers=as_viewer).status_code == 403
        assert client.post("/api/monitoring/collect_metrics").status_code == 200
