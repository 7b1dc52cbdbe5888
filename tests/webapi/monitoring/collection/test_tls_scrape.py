"""The service scrapes our real exporter served with `--web.config.file`: TLS, a client certificate and
basic auth, set the way a Prometheus scrape job sets them."""

from __future__ import annotations

from tests.exporter.certs import Authority
from tests.exporter.test_web_tls import PASSWORD, tls_auth_config, wait_listening
from tests.exporter.trees import EXPORTER, fixture_flags
from tests.support.processes import free_port, running, wait_until
from tests.support.webservice import run_service, write_inventory


def test_an_exporter_with_tls_client_certificates_and_basic_auth_is_scraped(tmp_path):
    ca = Authority(tmp_path / "pki")
    server, client_cert = ca.issue("exporter", server=True), ca.issue("dispycluster", server=False)
    config = tls_auth_config(
        tmp_path,
        (ca, server, client_cert),
        client_auth_type="RequireAndVerifyClientCert",
        client_ca_file=str(ca.cert_file),
    )
    port = free_port()
    argv = [EXPORTER, f"--web.listen-address=127.0.0.1:{port}", f"--web.config.file={config}"]
    argv += ["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.loadavg"]
    exporter = running([*argv, *fixture_flags("rpi4")], log_path=tmp_path / "exporter.log")
    password_file = tmp_path / "exporter-password"
    password_file.write_text(PASSWORD + "\n")
    inventory = write_inventory(
        tmp_path / "inventory.yaml",
        [{"name": "secure", "address": "127.0.0.1", "exporter": f"127.0.0.1:{port}"}],
    )
    settings = {
        "inventory": str(inventory),
        "collect_interval": "0.5",
        "collect_timeout": "0.5",
        "exporter_scheme": "https",
        "exporter_ca_file": str(ca.cert_file),
        "exporter_cert_file": str(client_cert[0]),
        "exporter_key_file": str(client_cert[1]),
        "exporter_basic_auth_user": "prometheus",
        "exporter_basic_auth_password_file": str(password_file),
    }
    with exporter, run_service(tmp_path, **settings) as service, service.client() as client:
        wait_listening(port)

        def node() -> dict:
            return {n["name"]: n for n in client.get("/api/cluster/nodes").json()}["secure"]

        wait_until(lambda: node()["status"] == "online", timeout=30)
        (scrape,) = client.get("/api/monitoring/nodes").json()
        assert scrape["target"] == f"https://127.0.0.1:{port}/metrics" and scrape["up"] is True
        # The password file is read at every scrape: a rotated password takes effect without a restart.
        password_file.write_text("not-the-password")
        wait_until(lambda: node()["status"] == "offline", timeout=30)
        assert "HTTP 401 from the exporter" in node()["reason"]
        password_file.write_text(PASSWORD)
        wait_until(lambda: node()["status"] == "online", timeout=30)
