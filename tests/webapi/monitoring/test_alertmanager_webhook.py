"""The webhook receiver fed by a real Alertmanager, and a payload captured from it replayed."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import yaml

from tests.support.processes import free_port, require_binary, running, wait_until
from tests.support.webservice import run_service


class Capture(BaseHTTPRequestHandler):
    payloads: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Capture.payloads.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args) -> None:
        return


def alertmanager_config(receiver_urls: list[str]) -> dict:
    return {
        "route": {
            "receiver": "cluster",
            "group_by": ["alertname", "node"],
            "group_wait": "0s",
            "group_interval": "1s",
            "repeat_interval": "1h",
        },
        "receivers": [
            {
                "name": "cluster",
                "webhook_configs": [{"url": url, "send_resolved": True} for url in receiver_urls],
            }
        ],
    }


def post_alert(am_url: str, ends_at: datetime | None) -> None:
    alert = {
        "labels": {"alertname": "NodeCPUHigh", "severity": "warning", "node": "pi1", "instance": "pi1:9100"},
        "annotations": {"summary": "CPU usage above 90 %.", "description": "pi1 is busy"},
        "startsAt": "2026-11-28T03:00:00Z",
    }
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat().replace("+00:00", "Z")
    httpx.post(f"{am_url}/api/v2/alerts", json=[alert], timeout=5).raise_for_status()


def test_alerts_from_a_real_alertmanager_fire_and_resolve_idempotently(tmp_path):
    binary = require_binary("prometheus-alertmanager", "alertmanager")
    capture = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=capture.serve_forever, daemon=True).start()
    am_port = free_port()
    am_url = f"http://127.0.0.1:{am_port}"
    try:
        with run_service(
            tmp_path, alertmanager_url=am_url, prometheus_url=f"http://127.0.0.1:{free_port()}"
        ) as service:
            config = tmp_path / "alertmanager.yml"
            urls = [
                f"http://127.0.0.1:{capture.server_port}/hook",
                f"{service.url}/api/monitoring/alertmanager",
            ]
            config.write_text(yaml.safe_dump(alertmanager_config(urls)))
            argv = [
                binary,
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
                f"--config.file={config}",
                f"--storage.path={tmp_path / 'am-data'}",
            ]
            with (
                running(argv, log_path=tmp_path / "alertmanager.log", ready_url=f"{am_url}/-/ready"),
                service.client() as client,
            ):
                parts = {p["name"]: p["status"] for p in client.get("/api/cluster/overview").json()["parts"]}
                assert (parts["alertmanager"], parts["prometheus"]) == ("ok", "down")

                post_alert(am_url, ends_at=None)
                wait_until(lambda: client.get("/api/monitoring/alerts").json()["count"] == 1)
                (alert,) = client.get("/api/monitoring/alerts").json()["alerts"]
                assert (alert["name"], alert["severity"], alert["node"], alert["source"]) == (
                    "NodeCPUHigh",
                    "warning",
                    "pi1",
                    "alertmanager",
                )
                assert alert["status"] == "firing" and alert["ends_at"] is None
                assert alert["starts_at"] == "2026-11-28T03:00:00Z"

                wait_until(lambda: len(Capture.payloads) >= 1)
                captured = Capture.payloads[0]
                assert captured["version"] == "4"
                for _ in range(2):
                    replay = client.post("/api/monitoring/alertmanager", json=captured).json()
                    assert (replay["created"], replay["unchanged"]) == (0, 1)
                assert client.get("/api/monitoring/alerts", params={"state": "all"}).json()["count"] == 1

                post_alert(am_url, ends_at=datetime.now(UTC) - timedelta(seconds=1))
                wait_until(lambda: client.get("/api/monitoring/alerts").json()["count"] == 0)
                (resolved,) = client.get("/api/monitoring/alerts", params={"state": "all"}).json()["alerts"]
                assert resolved["status"] == "resolved" and resolved["ends_at"] is not None
                overview = client.get("/api/cluster/overview").json()
                assert overview["active_alerts"] == 0
    finally:
        capture.shutdown()
