"""HTTPS with real processes: `dispycluster web` with DISPYCLUSTER_TLS_CERT/KEY, its refusals of bad files,
and `dispycluster up --tls` (certificate made once, reused, fingerprint as openssl prints it)."""

from __future__ import annotations

import signal
import ssl
import stat
import subprocess
import sys

import httpx
import psutil
import pytest
from cryptography import x509

from tests.support.processes import free_port, stop_process, wait_until
from tests.support.tls import peer_fingerprint
from tests.support.webservice import run_service
from webapi.core.self_signed import ensure_self_signed, fingerprint
from webapi.core.tls import client_context

TOKEN = "https-test-token-0123456789"


def test_https_serves_the_certificate_with_a_secure_cookie_and_hsts(tmp_path):
    cert = ensure_self_signed(tmp_path / "tls")
    with run_service(tmp_path, tls_cert=str(cert.cert), tls_key=str(cert.key), api_token=TOKEN) as service:
        assert service.url.startswith("https://")
        host, port = service.url.split("://", 1)[1].rsplit(":", 1)
        assert peer_fingerprint(host, int(port), cert.cert) == cert.fingerprint
        with service.client(verify=client_context(cert.cert)) as client:
            health = client.get("/api/health")
            assert health.status_code == 200
            assert health.headers["strict-transport-security"] == "max-age=31536000"
            login = client.get("/api/health", params={"token": TOKEN})
            assert login.headers["set-cookie"].startswith("dispycluster_token=")
            assert "; Secure" in login.headers["set-cookie"]
            language = client.get("/ui/lang/fr", follow_redirects=False)
            assert "secure" in language.headers["set-cookie"].lower()
        # Plain HTTP on the HTTPS port gets no answer a client could mistake for the service's.
        with pytest.raises(httpx.HTTPError):
            httpx.get(service.url.replace("https://", "http://") + "/api/health", timeout=5).json()


def test_https_beyond_loopback_still_needs_the_token(tmp_path):
    cert = ensure_self_signed(tmp_path / "tls")
    tls = {"tls_cert": str(cert.cert), "tls_key": str(cert.key), "api_token": TOKEN}
    with (
        run_service(tmp_path, host="0.0.0.0", **tls) as service,
        service.client(verify=client_context(cert.cert)) as client,
    ):
        assert client.get("/api/cluster/nodes").status_code == 401
        authorized = client.get("/api/cluster/nodes", headers={"Authorization": f"Bearer {TOKEN}"})
        assert authorized.status_code == 200


def test_plain_http_on_loopback_has_neither_secure_cookie_nor_hsts(tmp_path):
    with run_service(tmp_path, api_token=TOKEN) as service, service.client() as client:
        login = client.get("/api/health", params={"token": TOKEN})
        assert login.status_code == 200
        assert "strict-transport-security" not in login.headers
        assert login.headers["set-cookie"].startswith("dispycluster_token=")
        assert "secure" not in login.headers["set-cookie"].lower()


def _web(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"DISPYCLUSTER_DATA_DIR": str(tmp_path / "data"), "PORT": str(free_port())}
    environment |= {f"DISPYCLUSTER_{key.upper()}": value for key, value in env.items()}
    return subprocess.run(
        [sys.executable, "-m", "webapi.cli", "web"],
        env={"PATH": "/usr/bin:/bin", **environment},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _files(tmp_path):
    """(cert, key) of one self-signed pair, the key of another, a file that is no PEM, an encrypted key."""
    first, second = ensure_self_signed(tmp_path / "a"), ensure_self_signed(tmp_path / "b")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    encrypted = tmp_path / "encrypted.key"
    subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(first.key),
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            str(encrypted),
        ],
        check=True,
    )
    return first, second, junk, encrypted


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "cannot read the certificate"),
        ("mismatch", "does not belong to the certificate"),
        ("junk cert", "holds no PEM certificate"),
        ("junk key", "holds no PEM private key"),
        ("encrypted key", "is encrypted"),
        ("cert only", "DISPYCLUSTER_TLS_CERT and DISPYCLUSTER_TLS_KEY go together"),
    ],
)
def test_bad_tls_files_stop_start_up_with_a_message(tmp_path, case, message):
    first, second, junk, encrypted = _files(tmp_path)
    cert, key = {
        "missing": (str(tmp_path / "nowhere.pem"), str(first.key)),
        "mismatch": (str(first.cert), str(second.key)),
        "junk cert": (str(junk), str(first.key)),
        "junk key": (str(first.cert), str(junk)),
        "encrypted key": (str(first.cert), str(encrypted)),
        "cert only": (str(first.cert), ""),
    }[case]
    result = _web(tmp_path, tls_cert=cert, **({"tls_key": key} if key else {}))
    assert result.returncode != 0
    assert message in result.stderr and "DISPYCLUSTER_TLS_CERT" in result.stderr
    assert "Traceback" not in result.stderr


def _dispynode_port(up_pid: int) -> int:
    """The TCP port the dispynode started by `up` listens on (9701 unless that was taken); its forked
    helpers share the listening socket."""
    listening = set()
    for child in psutil.Process(up_pid).children(recursive=True):
        try:  # a forked helper may have exited meanwhile (gone, or a zombie)
            if any(part.endswith("dispynode.py") for part in child.cmdline()):
                connections = child.net_connections(kind="tcp")
                listening |= {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}
        except psutil.Error:
            continue
    (port,) = listening
    return port


def _job_runs_on_the_local_node_over_tls(
    base: str, context: ssl.SSLContext, cert_file, node_port: int
) -> None:
    with httpx.Client(base_url=base, verify=context, timeout=10) as client:
        body = {"name": "over tls", "type": "processing", "parameters": {"command": ["echo", "tls"]}}
        # Loopback only: no token needed over HTTPS either.
        answer = client.post("/api/jobs", json=body)
        assert answer.status_code == 201, answer.text
        job = answer.json()
        done = {}

        def finished() -> bool:
            done.update(client.get(f"/api/jobs/{job['id']}").json())
            return done["status"] in {"succeeded", "failed", "cancelled", "timed_out", "lost"}

        wait_until(finished, timeout=60)
    assert done["status"] == "succeeded", done
    # The local node's dispy port speaks TLS with the same certificate.
    expected = fingerprint(x509.load_pem_x509_certificate(cert_file.read_bytes()))
    assert peer_fingerprint("127.0.0.1", node_port, cert_file, check_hostname=False) == expected


def _up_once(tmp_path, data_dir, run: int) -> tuple[str, str]:
    """`dispycluster up --tls` until it is ready; (its output, the URL it serves) once stopped by Ctrl-C.
    The first run also has a job run on the local node."""
    port = free_port()
    log = tmp_path / f"up-{run}.log"
    argv = [
        sys.executable,
        "-m",
        "webapi.cli",
        "up",
        "--tls",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True
        )
    try:
        wait_until(lambda: "Ctrl-C stops everything" in log.read_text(), timeout=90)
        base = f"https://127.0.0.1:{port}"
        context = client_context(data_dir / "tls" / "dispycluster.crt")
        assert httpx.get(f"{base}/api/health", verify=context).status_code == 200
        if run == 1:
            cert_file = data_dir / "tls" / "dispycluster.crt"
            _job_runs_on_the_local_node_over_tls(base, context, cert_file, _dispynode_port(proc.pid))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        stop_process(proc)
    return log.read_text(), base


def test_up_tls_makes_the_certificate_once_and_prints_its_fingerprint(tmp_path):
    data_dir = tmp_path / "data"
    first, base = _up_once(tmp_path, data_dir, 1)
    cert, key = data_dir / "tls" / "dispycluster.crt", data_dir / "tls" / "dispycluster.key"
    openssl = subprocess.run(
        ["openssl", "x509", "-fingerprint", "-sha256", "-noout", "-in", str(cert)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert f"dispycluster up: {openssl}" in first.splitlines()
    assert f"made self-signed certificate {cert}" in first and f"web ready at {base}/api/health" in first
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    second, _ = _up_once(tmp_path, data_dir, 2)
    assert f"reusing self-signed certificate {cert}" in second
    assert f"dispycluster up: {openssl}" in second.splitlines()
