"""`--web.config.file` with real processes: TLS, basic auth, client certificates, rotation, Prometheus."""

import shutil
import socket
import ssl
import subprocess
import time

import bcrypt
import httpx
import pytest
import yaml

from tests.exporter.certs import Authority, serial_of
from tests.exporter.trees import EXPORTER, fixture_flags
from tests.support.processes import free_port, require_binary, running, wait_until

PASSWORD = "scrape-secret"


def write_config(path, **document):
    path.write_text(yaml.safe_dump(document))
    return path


def start(tmp_path, config):
    port = free_port()
    argv = [
        EXPORTER,
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.config.file={config}",
        "--collector.disable-defaults",
        "--collector.loadavg",
        *fixture_flags("rpi4"),
    ]
    return port, running(argv, log_path=tmp_path / f"exporter-{port}.log")


def wait_listening(port):
    def accepting():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    wait_until(accepting)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    ca = Authority(directory)
    return ca, ca.issue("exporter", server=True), ca.issue("prometheus", server=False)


def tls_auth_config(tmp_path, pki, **tls):
    _, (cert, key), _ = pki
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    return write_config(
        tmp_path / "web.yml",
        tls_server_config={"cert_file": str(cert), "key_file": str(key), **tls},
        http_server_config={"headers": {"X-Content-Type-Options": "nosniff"}},
        basic_auth_users={"prometheus": hashed},
    )


def test_a_bad_web_config_stops_start_up_with_a_message(tmp_path):
    config = write_config(tmp_path / "web.yml", basic_auth_users={"prometheus": "not-a-hash"})
    result = subprocess.run(
        [EXPORTER, f"--web.config.file={config}"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"dispycluster-exporter: web config file {config}: basic_auth_users.prometheus: not a bcrypt hash"
        " (make one with `htpasswd -nBC 10 '' | tr -d ':\\n'`)"
    )


def test_tls_with_basic_auth(tmp_path, pki):
    ca = pki[0]
    port, exporter = start(tmp_path, tls_auth_config(tmp_path, pki))
    url = f"https://127.0.0.1:{port}/metrics"
    with exporter:
        wait_listening(port)
        with httpx.Client(verify=ssl.create_default_context(cafile=ca.cert_file)) as client:
            answer = client.get(url, auth=("prometheus", PASSWORD))
            assert answer.status_code == 200
            assert "node_load1 0.52" in answer.text
            assert answer.headers["x-content-type-options"] == "nosniff"
            for auth in (None, ("prometheus", "wrong"), ("grafana", PASSWORD)):
                refused = client.get(url, auth=auth)
                assert refused.status_code == 401
                assert refused.headers["www-authenticate"] == "Basic"
                assert "node_load1" not in refused.text
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/metrics", auth=("prometheus", PASSWORD), timeout=5)


def test_client_certificates_and_certificate_rotation(tmp_path, pki):
    ca, (cert, key), (client_cert, client_key) = pki
    config = tls_auth_config(
        tmp_path, pki, client_auth_type="RequireAndVerifyClientCert", client_ca_file=str(ca.cert_file)
    )
    port, exporter = start(tmp_path, config)
    url = f"https://127.0.0.1:{port}/metrics"
    with exporter:
        wait_listening(port)
        with_cert = ssl.create_default_context(cafile=ca.cert_file)
        with_cert.load_cert_chain(client_cert, client_key)
        assert httpx.get(url, verify=with_cert, auth=("prometheus", PASSWORD)).status_code == 200
        without_cert = ssl.create_default_context(cafile=ca.cert_file)
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, verify=without_cert, auth=("prometheus", PASSWORD)).raise_for_status()
        stranger = Authority(tmp_path / "other", name="other-ca").issue("intruder", server=False)
        foreign = ssl.create_default_context(cafile=ca.cert_file)
        foreign.load_cert_chain(*stranger)
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, verify=foreign, auth=("prometheus", PASSWORD)).raise_for_status()

        # Renew the server certificate in place, as certbot or an ACME client would: no restart.
        before = serial_of(ssl.get_server_certificate(("127.0.0.1", port)).encode())
        renewed_cert, renewed_key = ca.issue("exporter-renewed", server=True)
        shutil.copy(renewed_key, key)
        shutil.copy(renewed_cert, cert)
        after = serial_of(ssl.get_server_certificate(("127.0.0.1", port)).encode())
        assert before != after == serial_of(renewed_cert.read_bytes())
        assert httpx.get(url, verify=with_cert, auth=("prometheus", PASSWORD)).status_code == 200


def test_a_broken_change_answers_503_until_fixed(tmp_path, pki):
    ca = pki[0]
    config = tls_auth_config(tmp_path, pki)
    good = config.read_text()
    port, exporter = start(tmp_path, config)
    url = f"https://127.0.0.1:{port}/metrics"
    with exporter:
        wait_listening(port)
        verify = ssl.create_default_context(cafile=ca.cert_file)
        config.write_text(good.replace("basic_auth_users", "basic_auth_user"))
        broken = httpx.get(url, verify=verify, auth=("prometheus", PASSWORD))
        assert broken.status_code == 503
        assert "node_load1" not in broken.text
        config.write_text(good)
        assert httpx.get(url, verify=verify, auth=("prometheus", PASSWORD)).status_code == 200
    log = (tmp_path / f"exporter-{port}.log").read_text()
    assert "basic_auth_user is not a known setting; answering 503 until it is fixed" in log


def prometheus_scrapes(tmp_path, jobs):
    """{job: (health, last error)} once a real Prometheus has scraped every job."""
    binary = require_binary("prometheus")
    port = free_port()
    config = {"global": {"scrape_interval": "1s"}, "scrape_configs": jobs}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    argv = [
        binary,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    base = f"http://127.0.0.1:{port}"
    with running(argv, log_path=tmp_path / "prometheus.log", ready_url=f"{base}/-/ready", timeout=30):
        seen = {}

        def all_scraped():
            targets = httpx.get(f"{base}/api/v1/targets").json()["data"]["activeTargets"]
            seen.update({t["labels"]["job"]: (t["health"], t["lastError"]) for t in targets})
            return len(seen) == len(jobs) and all(health != "unknown" for health, _ in seen.values())

        wait_until(all_scraped, timeout=30)
        time.sleep(1.5)  # one more round, so that a first failure is not mistaken for the steady state
        all_scraped()
        return seen


def test_a_real_prometheus_scrapes_over_tls_with_basic_auth_and_with_a_client_certificate(tmp_path, pki):
    ca, _, (client_cert, client_key) = pki
    auth_port, auth_exporter = start(tmp_path, tls_auth_config(tmp_path, pki))
    cert_dir = tmp_path / "mtls"
    cert_dir.mkdir()
    mtls_config = write_config(
        cert_dir / "web.yml",
        tls_server_config={
            "cert_file": str(pki[1][0]),
            "key_file": str(pki[1][1]),
            "client_auth_type": "RequireAndVerifyClientCert",
            "client_ca_file": str(ca.cert_file),
        },
    )
    cert_port, cert_exporter = start(cert_dir, mtls_config)
    tls = {"ca_file": str(ca.cert_file)}
    jobs = [
        {
            "job_name": "basic_auth",
            "scheme": "https",
            "tls_config": tls,
            "basic_auth": {"username": "prometheus", "password": PASSWORD},
            "static_configs": [{"targets": [f"127.0.0.1:{auth_port}"]}],
        },
        {
            "job_name": "wrong_password",
            "scheme": "https",
            "tls_config": tls,
            "basic_auth": {"username": "prometheus", "password": "guess"},
            "static_configs": [{"targets": [f"127.0.0.1:{auth_port}"]}],
        },
        {
            "job_name": "client_cert",
            "scheme": "https",
            "tls_config": {**tls, "cert_file": str(client_cert), "key_file": str(client_key)},
            "static_configs": [{"targets": [f"127.0.0.1:{cert_port}"]}],
        },
        {
            "job_name": "no_client_cert",
            "scheme": "https",
            "tls_config": tls,
            "static_configs": [{"targets": [f"127.0.0.1:{cert_port}"]}],
        },
    ]
    with auth_exporter, cert_exporter:
        wait_listening(auth_port)
        wait_listening(cert_port)
        seen = prometheus_scrapes(tmp_path, jobs)
    assert seen["basic_auth"] == ("up", "")
    assert seen["client_cert"] == ("up", "")
    assert seen["wrong_password"][0] == "down"
    assert "401 Unauthorized" in seen["wrong_password"][1]
    assert seen["no_client_cert"][0] == "down"
