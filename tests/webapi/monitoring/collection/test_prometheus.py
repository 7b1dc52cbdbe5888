"""History from a real Prometheus that follows the inventory through /api/cluster/targets."""

from datetime import UTC, datetime, timedelta

import yaml

from tests.support.processes import free_port, require_binary, running, wait_until
from tests.support.webservice import our_exporter, run_service, write_inventory


def test_history_from_prometheus_query_range(tmp_path):
    binary = require_binary("prometheus")
    exporter = our_exporter(tmp_path)
    inventory = write_inventory(
        tmp_path / "inventory.yaml", [{"name": "pi1", "address": "127.0.0.1", "exporter": exporter.address}]
    )
    prom_url = f"http://127.0.0.1:{free_port()}"
    with exporter.run(), run_service(tmp_path, inventory=str(inventory), prometheus_url=prom_url) as service:
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [
                {
                    "job_name": "node",
                    "http_sd_configs": [
                        {"url": f"{service.url}/api/cluster/targets", "refresh_interval": "1s"}
                    ],
                }
            ],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        argv = [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address={prom_url.removeprefix('http://')}",
        ]
        prometheus = running(
            argv, log_path=tmp_path / "prometheus.log", ready_url=f"{prom_url}/-/ready", timeout=30
        )
        with prometheus, service.client() as client:

            def history() -> dict:
                since = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
                params = {
                    "source": "prometheus",
                    "node": "pi1",
                    "metric": "memory_percent",
                    "since": since,
                }
                return client.get("/api/monitoring/metrics", params=params).json()

            wait_until(lambda: len(history()["series"][0]["points"]) >= 2, timeout=30)
            answer = history()
            assert answer["source"] == "prometheus" and answer["step_seconds"] >= 1
            (series,) = answer["series"]
            assert series["node"] == "pi1" and all(0 < v < 100 for _, v in series["points"])
            parts = {p["name"]: p["status"] for p in client.get("/api/cluster/overview").json()["parts"]}
            assert parts["prometheus"] == "ok"
        with service.client() as client:
            down = client.get("/api/monitoring/metrics", params={"source": "prometheus", "metric": "load1"})
            assert down.status_code == 502 and "did not answer" in down.json()["error"]["message"]


def test_prometheus_history_needs_the_setting(tmp_path):
    with run_service(tmp_path) as service, service.client() as client:
        response = client.get("/api/monitoring/metrics", params={"source": "prometheus"})
    assert (
        response.status_code == 422 and "DISPYCLUSTER_PROMETHEUS_URL" in response.json()["error"]["message"]
    )
