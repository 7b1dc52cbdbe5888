"""What an attacker on the LAN (and a careless operator) tried, one case per variant; all on loopback.

Each class below once got through: an open uvicorn start, blank tokens, DNS rebinding and proxies,
cross-site requests, calendar-edge times, NUL bytes, unbounded bodies and exporter answers, errors
without their shape, readable secrets, SSRF through IPv6 forms of private addresses.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.reliability.faults import answering_exporter
from tests.security.conftest import TOKEN
from tests.support.app import in_process_client
from tests.support.database import postgres_requested
from tests.support.processes import free_port, running
from tests.support.webservice import Service, run_service
from webapi.core.auth import COOKIE
from webapi.core.settings import load_settings
from webapi.jobs import store
from webapi.jobs.dispy_client import port_in_use
from webapi.jobs.tasks.scraping_node import Policy, RefusedTargetError
from webapi.monitoring.collection import scrape as scrape_module

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z"]
PROCESSING = {"type": "processing", "parameters": {"command": ["true"]}}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service as `make run` starts it: on loopback, no token configured."""
    tmp_path = tmp_path_factory.mktemp("local")
    with run_service(tmp_path, dispy_port=str(free_port())) as service:
        yield service


def _port(service: Service) -> str:
    return service.url.rsplit(":", 1)[1]


# --- 1. The server listens beyond loopback, whatever HOST says -------------------------------------

LAUNCHES = {
    "uvicorn --factory --host 0.0.0.0": ([sys.executable, "-m", "uvicorn", "--factory"], {}),
    "uvicorn --host 0.0.0.0 with HOST=127.0.0.1": (
        [sys.executable, "-m", "uvicorn", "--factory"],
        {"HOST": "127.0.0.1"},
    ),
    "dispycluster web --host 0.0.0.0": ([sys.executable, "-m", "webapi.cli", "web"], {}),
}


@pytest.mark.parametrize("launch", list(LAUNCHES))
def test_a_server_listening_beyond_loopback_requires_the_token(tmp_path: Path, launch: str) -> None:
    prefix, env = LAUNCHES[launch]
    port = free_port("0.0.0.0")
    app = ["webapi.app:create_app"] if "uvicorn" in prefix else []
    argv = [*prefix, *app, "--host", "0.0.0.0", "--port", str(port)]
    env = {
        **env,
        "DISPYCLUSTER_DATA_DIR": str(tmp_path / "data"),
        "DISPYCLUSTER_DISPY_PORT": str(free_port()),
    }
    base = f"http://127.0.0.1:{port}"
    with (
        running(argv, log_path=tmp_path / "web.log", ready_url=f"{base}/api/health", env=env, cwd=tmp_path),
        httpx.Client(base_url=base, trust_env=False, timeout=10) as client,
    ):
        assert client.get("/api/cluster/nodes").status_code == 401
        assert client.post("/api/monitoring/collect_metrics").status_code == 401
        token = (tmp_path / "data" / "api_token").read_text().strip()
        assert (
            client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )


# --- 2. Blank and short tokens -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", ["", "\n", "  \t\n", "abc123\n"], ids=["empty", "newline", "blank", "short"]
)
def test_a_service_with_a_blank_or_short_token_file_does_not_start(tmp_path: Path, content: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "api_token").write_text(content)
    env = {
        "DISPYCLUSTER_DATA_DIR": str(data),
        "PORT": str(free_port()),
        "DISPYCLUSTER_DISPY_PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "webapi.cli", "web"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "blank or shorter than 16 characters" in result.stderr


EMPTY_CREDENTIALS: dict[str, dict[str, str]] = {
    # (HTTP strips trailing spaces: "Bearer " arrives as "Bearer".)
    "empty bearer": {"Authorization": "Bearer"},
    "bearer of quotes": {"Authorization": 'Bearer ""'},
    "cookie of the empty token": {"Cookie": f"{COOKIE}={hashlib.sha256(b'').hexdigest()}"},
    "empty cookie": {"Cookie": f"{COOKIE}="},
}


@pytest.mark.parametrize("credentials", list(EMPTY_CREDENTIALS))
def test_empty_credentials_are_refused(exposed: Service, credentials: str) -> None:
    with exposed.client() as client:
        assert client.get("/api/cluster/nodes", headers=EMPTY_CREDENTIALS[credentials]).status_code == 401
        assert client.get("/api/cluster/nodes", params={"token": ""}).status_code == 401


# --- 3. DNS rebinding and proxies: loopback mode answers only to loopback ---------------------------

NOT_LOCAL = {
    "rebound name": {"Host": "rebound.evil.example:{port}"},
    "LAN address": {"Host": "192.168.1.10:{port}"},
    "localhost lookalike": {"Host": "localhost.evil.example:{port}"},
    "x-forwarded-for": {"X-Forwarded-For": "192.168.1.10"},
    "forwarded": {"Forwarded": "for=192.168.1.10;host=cluster.lan"},
    "x-real-ip": {"X-Real-IP": "192.168.1.10"},
}


@pytest.mark.parametrize("variant", list(NOT_LOCAL))
def test_a_request_that_is_not_local_needs_the_token_on_loopback_too(local: Service, variant: str) -> None:
    headers = {name: value.format(port=_port(local)) for name, value in NOT_LOCAL[variant].items()}
    with local.client() as client:
        assert client.get("/api/cluster/nodes", headers=headers).status_code == 401
        assert client.post("/api/monitoring/collect_metrics", headers=headers).status_code == 401
        for host in ("localhost", "127.0.0.1", "127.0.0.2"):
            own = {"Host": f"{host}:{_port(local)}"}
            assert client.get("/api/cluster/nodes", headers=own).status_code == 200


# --- 4. Cross-site requests: mutations and /ws from another origin --------------------------------

FOREIGN_ORIGINS = {
    "other site": "http://evil.example",
    "same site, other port (Grafana)": "http://127.0.0.1:3000",
    "opaque origin": "null",
}
MUTATIONS = [
    ("POST", "/api/monitoring/collect_metrics"),
    ("POST", "/api/jobs/1/retry"),
    ("POST", "/api/jobs/batch"),
    ("POST", "/api/cluster/nodes/any/drain"),
    ("POST", "/api/cluster/nodes/any/resume"),
]


@contextlib.contextmanager
def _client(service: Service, login: bool) -> Iterator[httpx.Client]:
    with service.client() as client:
        if login:
            assert client.get("/api/cluster/health", params={"token": TOKEN}).status_code == 200
        yield client


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation[1])
@pytest.mark.parametrize("origin", list(FOREIGN_ORIGINS))
@pytest.mark.parametrize("mode", ["loopback", "token with the login cookie"])
def test_cross_origin_mutations_are_refused(
    local: Service, exposed: Service, mode: str, origin: str, mutation: tuple[str, str]
) -> None:
    method, path = mutation
    service = local if mode == "loopback" else exposed
    with _client(service, login=mode != "loopback") as client:
        refused = client.request(method, path, headers={"Origin": FOREIGN_ORIGINS[origin]})
        assert refused.status_code == 403, refused.text
        assert "Cross-origin request refused" in refused.json()["error"]["message"]
        same = client.request(method, path, headers={"Origin": service.url})
        assert same.status_code != 403


def test_a_page_elsewhere_that_knows_the_token_may_send_it(exposed: Service) -> None:
    """A bearer header is no ambient authority (the browser never adds it by itself): a dashboard of a
    CORS-allowed or any other origin that was given the token may mutate."""
    with exposed.client() as client:
        sent = client.post(
            "/api/monitoring/collect_metrics", headers={"Origin": "http://evil.example", **AUTH}
        )
    assert sent.status_code == 200, sent.text


@pytest.mark.parametrize("origin", list(FOREIGN_ORIGINS))
@pytest.mark.parametrize("mode", ["loopback", "token with the login cookie"])
def test_the_live_feed_checks_the_origin(local: Service, exposed: Service, mode: str, origin: str) -> None:
    service = local if mode == "loopback" else exposed
    # A browser opens /ws with what it adds by itself: in token mode, the login cookie.
    headers = (
        {} if mode == "loopback" else {"Cookie": f"{COOKIE}={hashlib.sha256(TOKEN.encode()).hexdigest()}"}
    )
    ws_url = service.url.replace("http://", "ws://") + "/ws"
    with (
        pytest.raises(InvalidStatus),
        connect(ws_url, origin=FOREIGN_ORIGINS[origin], additional_headers=headers),
    ):  # type: ignore[arg-type]
        pass
    with connect(ws_url, origin=service.url, additional_headers=headers, open_timeout=5) as feed:  # type: ignore[arg-type]
        assert feed.protocol.state.name == "OPEN"


# --- 5. Times at the edge of the calendar ---------------------------------------------------------


def _edge_requests(moment: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("POST", "/api/jobs", {"json": {"name": "edge", **PROCESSING, "scheduled_at": moment}}),
        ("PUT", "/api/jobs/1", {"json": {"scheduled_at": moment}}),
        ("GET", "/api/jobs", {"params": {"created_after": moment}}),
        ("GET", "/api/jobs", {"params": {"created_before": moment}}),
        ("GET", "/api/monitoring/metrics", {"params": {"since": moment}}),
        ("GET", "/api/monitoring/export", {"params": {"until": moment}}),
        (
            "POST",
            "/api/monitoring/alertmanager",
            {
                "json": {
                    "version": "4",
                    "status": "firing",
                    "alerts": [{"status": "firing", "startsAt": moment, "fingerprint": "edge"}],
                }
            },
        ),
    ]


@pytest.mark.parametrize(
    "index", range(7), ids=["submit", "change", "after", "before", "history", "export", "webhook"]
)
@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_times_at_the_edge_of_the_calendar_are_refused(local: Service, moment: str, index: int) -> None:
    method, path, kwargs = _edge_requests(moment)[index]
    with local.client() as client:
        if method == "PUT":
            assert client.post("/api/jobs", json={"name": "target", **PROCESSING}).status_code == 201
        refused = client.request(method, path, **kwargs)
        assert refused.status_code == 422, refused.text
        assert "0001-01-02T00:00:00Z" in refused.text
        # Nothing was committed that breaks the lists afterwards.
        assert client.get("/api/monitoring/alerts", params={"state": "all"}).status_code == 200
        assert client.get("/api/jobs").status_code == 200


def test_an_edge_time_does_not_fail_the_other_jobs_of_its_batch(local: Service) -> None:
    bodies = [{"name": f"ok{i}", **PROCESSING} for i in range(20)]
    bodies.insert(10, {"name": "edge", **PROCESSING, "scheduled_at": EDGE_TIMES[0]})
    with local.client() as client, concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: client.post("/api/jobs", json=body).status_code, bodies))
    assert answers.count(201) == 20 and answers.count(422) == 1


def test_go_zero_time_still_means_no_end(local: Service) -> None:
    """Alertmanager sends endsAt 0001-01-01T00:00:00Z for an alert that has not ended."""
    alert = {"status": "firing", "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}
    payload = {"version": "4", "status": "firing", "alerts": [{**alert, "fingerprint": "zero"}]}
    with local.client() as client:
        assert client.post("/api/monitoring/alertmanager", json=payload).status_code == 200
        listed = client.get("/api/monitoring/alerts").json()["alerts"]
        assert any(item["ends_at"] is None for item in listed)


# --- 6. NUL bytes ---------------------------------------------------------------------------------

NUL_REQUESTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "job name": ("POST", "/api/jobs", {"json": {"name": "a\x00b", **PROCESSING}}),
    "job argument": (
        "POST",
        "/api/jobs",
        {"json": {"name": "nul", "type": "processing", "parameters": {"command": ["echo", "\x00"]}}},
    ),
    "job environment": (
        "POST",
        "/api/jobs",
        {
            "json": {
                "name": "nul",
                "type": "processing",
                "parameters": {"command": ["true"], "env": {"A": "\x00"}},
            }
        },
    ),
    "node name": ("POST", "/api/cluster/nodes", {"json": {"name": "n\x00", "address": "127.0.0.1"}}),
    "raw byte": (
        "POST",
        "/api/jobs",
        {"content": b'{"name": "a\x00"}', "headers": {"Content-Type": "application/json"}},
    ),
    "batch job name": (
        "POST",
        "/api/jobs/batch",
        {"json": {"jobs": [{"name": "ok", **PROCESSING}, {"name": "a\x00b", **PROCESSING}]}},
    ),
    "label filter": ("GET", "/api/jobs?label=a%3D%00", {}),
    "query": ("GET", "/api/jobs?q=%00", {}),
    "path": ("GET", "/api/cluster/nodes/a%00b", {}),
}


@pytest.mark.parametrize("variant", list(NUL_REQUESTS))
def test_nul_bytes_are_refused(local: Service, variant: str) -> None:
    method, path, kwargs = NUL_REQUESTS[variant]
    with local.client() as client:
        refused = client.request(method, path, **kwargs)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["status"] == 422


def test_an_escaped_backslash_before_u0000_is_text(local: Service) -> None:
    body = b'{"name": "a\\\\u0000b", "type": "processing", "parameters": {"command": ["true"]}}'
    with local.client() as client:
        created = client.post("/api/jobs", content=body, headers={"Content-Type": "application/json"})
    assert created.status_code == 201 and created.json()["name"] == "a\\u0000b"


# --- 7. Unbounded input ---------------------------------------------------------------------------

BIG = 1024 * 1024 + 1


def _chunks() -> Iterator[bytes]:
    yield b'{"name": "big", "type": "processing", "parameters": {"command": ["echo", "'
    for _ in range(BIG // 65536 + 1):
        yield b"x" * 65536
    yield b'"]}}'


OVERSIZED: dict[str, dict[str, Any]] = {
    "announced": {"content": b"x" * BIG},
    "streamed without a length": {"content": _chunks},
    "argv job": {
        "json": {"name": "argv", "type": "processing", "parameters": {"command": ["echo", "x" * BIG]}}
    },
}


@pytest.mark.parametrize("variant", list(OVERSIZED))
def test_oversized_bodies_are_refused(local: Service, variant: str) -> None:
    kwargs = dict(OVERSIZED[variant])
    if callable(kwargs.get("content")):
        kwargs["content"] = kwargs["content"]()
    with local.client() as client:
        refused = client.post("/api/jobs", headers={"Content-Type": "application/json"}, **kwargs)
    assert refused.status_code == 413
    assert "DISPYCLUSTER_MAX_REQUEST_BYTES" in refused.json()["error"]["message"]


def test_an_oversized_exporter_answer_is_a_failed_scrape() -> None:
    async def scrape(address: str) -> scrape_module.ScrapeResult:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await scrape_module.scrape(client, scrape_module.Target("big", address), 10, 1 << 20)

    # No Content-Length: the size shows only while reading.
    with answering_exporter(b"x 1\n" * (1 << 20), announce_length=False) as address:
        result = asyncio.run(scrape(address))
    assert result.text is None and "answer larger than 1048576 bytes" in (result.error or "")


# --- 8. Every error in the one shape, with the security headers ----------------------------------

HUGE_NUMBERS = [("/api/jobs", {"offset": 2**64}), ("/api/jobs/1/logs", {"since": 2**64})]


@pytest.mark.parametrize(("path", "params"), HUGE_NUMBERS, ids=["offset", "since"])
def test_numbers_beyond_the_database_are_a_422(local: Service, path: str, params: dict[str, int]) -> None:
    with local.client() as client:
        assert client.post("/api/jobs", json={"name": "one", **PROCESSING}).status_code == 201
        refused = client.get(path, params=params)
    assert refused.status_code == 422 and refused.json()["error"]["status"] == 422


FAILURES = {
    "locked database": (OperationalError("SELECT 1", {}, Exception("database is locked")), 503),
    "a bug": (RuntimeError("boom"), 500),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_server_errors_keep_the_shape_and_the_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    error, status = FAILURES[failure]

    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store, "list_jobs", fail)
    settings = load_settings(data_dir=tmp_path, dispy_port=free_port())
    with in_process_client(settings, raise_server_exceptions=False) as client:
        answer = client.get("/api/jobs")
    assert answer.status_code == status
    assert answer.json()["error"]["status"] == status
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    if status == 503:
        assert answer.headers["retry-after"]


# --- 9. Secrets and job data on disk --------------------------------------------------------------


def test_files_with_secrets_or_job_data_are_private(local: Service) -> None:
    with local.client() as client:
        job = {
            "name": "secret env",
            "type": "processing",
            "parameters": {"command": ["true"], "env": {"K": "v"}},
        }
        assert client.post("/api/jobs", json=job).status_code == 201
    data = local.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    # On PostgreSQL the job data lives in the server, not in the data dir.
    database = [] if postgres_requested() else [data / "dispycluster.db"]
    for path in (data / "api_token", *database):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in data.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_port_left_in_time_wait_is_not_taken_for_another_service() -> None:
    """After `kill -9` the client port's old connections linger in TIME_WAIT; dispy binds over them."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        peer = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the side that closes first keeps the TIME_WAIT
        peer.close()
    assert not port_in_use("127.0.0.1", port)
    with socket.socket() as live:
        live.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        live.bind(("127.0.0.1", port))
        live.listen()
        assert port_in_use("127.0.0.1", port)


# --- 10. SSRF through other spellings of private addresses ---------------------------------------

EMBEDDED = {
    "NAT64 of loopback": "http://[64:ff9b::7f00:1]/",
    "NAT64 of a LAN address": "http://[64:ff9b::c0a8:101]/",
    "local-use NAT64": "http://[64:ff9b:1::a00:1]/",
    "6to4 of loopback": "http://[2002:7f00:1::1]/",
    "6to4 of a LAN address": "http://[2002:c0a8:101::1]/",
    "IPv4-compatible loopback": "http://[::127.0.0.1]/",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]/",
}


@pytest.mark.parametrize("variant", list(EMBEDDED))
def test_ipv6_spellings_of_private_addresses_are_refused(variant: str) -> None:
    with pytest.raises(RefusedTargetError):
        Policy({}).check(EMBEDDED[variant])


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("10.1.2.3:8080", "http://10.1.2.3:8080/", True),
        ("10.1.2.3:8080", "http://10.1.2.3:22/", False),
        ("10.1.2.3:8080", "http://10.1.2.3/", False),
        ("10.1.2.3", "http://10.1.2.3/", True),
        ("10.1.2.3", "https://10.1.2.3/", True),
        ("10.1.2.3", "http://10.1.2.3:6379/", False),
        ("[fd00::1]:8080", "http://[fd00::1]:8080/", True),
        ("[fd00::1]:8080", "http://[fd00::1]:9090/", False),
    ],
)
def test_an_allow_list_entry_allows_its_port_only(entry: str, url: str, allowed: bool) -> None:
    policy = Policy({"allow_hosts": [entry]})
    if allowed:
        policy.check(url)
    else:
        with pytest.raises(RefusedTargetError):
            policy.check(url)
