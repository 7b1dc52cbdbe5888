"""dispy's own TLS between a service process and real dispynodes started by `dispycluster node --certfile`.

The service runs as its own process: dispy keeps one client per process, set up by the first cluster
(TLS or not), so an in-process service would inherit whatever an earlier test used.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.jobs import SECRET, TERMINAL
from tests.support.processes import free_port, running, wait_until
from tests.support.tls import peer_fingerprint
from tests.support.webservice import run_service
from webapi.core.self_signed import SelfSigned, ensure_self_signed
from webapi.core.tls import DISPY_TLS_SUPPORTED

TOKEN = "dispy-tls-test-token-0123"


@pytest.fixture
def cert(tmp_path) -> SelfSigned:
    return ensure_self_signed(tmp_path / "tls")


@contextlib.contextmanager
def node(tmp_path: Path, cert: SelfSigned | None) -> Iterator[tuple[int, Path]]:
    """`dispycluster node` on loopback, with dispy TLS when `cert` is given; (its port, its log)."""
    port = free_port()
    argv = [sys.executable, "-m", "webapi.cli", "node", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--dest", str(tmp_path / f"node-{port}"), "--name", f"node-{port}", "--cpus", "1"]
    if cert is not None:
        argv += ["--certfile", str(cert.cert), "--keyfile", str(cert.key)]
    log = tmp_path / f"node-{port}.log"
    with running(argv, log_path=log, env={"DISPYCLUSTER_DISPY_SECRET": SECRET}):
        wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None)
        yield port, log


@contextlib.contextmanager
def tls_service(tmp_path: Path, cert: SelfSigned, node_port: int) -> Iterator[httpx.Client]:
    """`dispycluster web` whose dispy traffic is TLS with `cert`, using the node on `node_port`."""
    with (
        run_service(
            tmp_path,
            api_token=TOKEN,
            dispy_secret=SECRET,
            dispy_nodes=f"127.0.0.1:{node_port}",
            dispy_port=str(free_port()),
            dispy_pulse_interval="0.5",
            dispy_certfile=str(cert.cert),
            dispy_keyfile=str(cert.key),
        ) as service,
        service.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client


def submit_echo(client: httpx.Client) -> int:
    body = {"name": "over tls", "type": "processing", "parameters": {"command": ["echo", "tls"]}}
    answer = client.post("/api/jobs", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_dispy_tls_works_on_this_python():
    """The README's compatibility statement, checked where the suite runs: dispy 4.15.2's TLS needs
    `ssl.wrap_socket`, which Python 3.12 removed."""
    assert (sys.version_info < (3, 12)) == DISPY_TLS_SUPPORTED


def test_a_job_runs_over_tls(tmp_path, cert):
    with node(tmp_path, cert) as (port, _log), tls_service(tmp_path, cert, port) as client:
        # The node's port speaks TLS, with the certificate it was given.
        assert peer_fingerprint("127.0.0.1", port, cert.cert, check_hostname=False) == cert.fingerprint
        job_id = submit_echo(client)
        seen: dict[str, object] = {}

        def ended() -> bool:
            seen.update(client.get(f"/api/jobs/{job_id}").json())
            return seen["status"] in TERMINAL

        wait_until(ended, timeout=60)
        assert seen["status"] == "succeeded", seen
        logs = client.get(f"/api/jobs/{job_id}/logs").json()["items"]
        assert "tls" in "\n".join(line["text"] for line in logs)


def test_a_node_without_tls_cannot_take_the_jobs_of_a_tls_service(tmp_path, cert):
    with node(tmp_path, None) as (port, log), tls_service(tmp_path, cert, port) as client:
        job_id = submit_echo(client)
        # The service's TLS handshake reaches the plain node, which reads it as garbage.
        wait_until(lambda: "Ignoring invalid request from 127.0.0.1" in log.read_text(), timeout=60)
        assert client.get(f"/api/jobs/{job_id}").json()["status"] == "queued"
        # The health issues come from the parts' probes, refreshed in the background.
        wait_until(
            lambda: "0 of 1 dispy nodes up" in " ".join(client.get("/api/cluster/health").json()["issues"])
        )
        assert client.get(f"/api/jobs/{job_id}").json()["status"] == "queued"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--keyfile", "k.pem"], "--keyfile needs --certfile"),
        (["--certfile", "missing.pem"], "cannot read the certificate"),
    ],
)
def test_node_refuses_bad_tls_flags_with_a_message(tmp_path, flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "webapi.cli", "node", "--host", "127.0.0.1", *flags],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
