import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.support.database import postgres_requested
from tests.support.webservice import run_service


def test_monitoring_health_reports_the_collector_and_last_errors(cluster):
    with cluster.service.client() as client:
        body = client.get("/api/monitoring/health").json()
    assert body["collector_running"] is True and body["scrape_interval_seconds"] == 0.5
    assert body["last_round"]["scraped"] >= 3 and body["last_round"]["duration_seconds"] > 0
    assert body["last_errors"]["stock"] is None and "connection" in body["last_errors"]["dead"]


def test_scrape_status_per_node(cluster):
    with cluster.service.client() as client:
        rows = {row["node"]: row for row in client.get("/api/monitoring/nodes").json()}
    assert rows["stock"]["up"] is True and rows["stock"]["error"] is None
    assert rows["stock"]["target"] == f"http://{cluster.nodes['stock']}/metrics"
    assert rows["dead"]["up"] is False and rows["dead"]["last_success"] is None
    assert rows["dead"]["duration_seconds"] is not None


def test_current_metrics_per_node_and_for_the_cluster(cluster):
    with cluster.service.client() as client:
        body = client.get("/api/monitoring/metrics").json()
        one = client.get("/api/monitoring/metrics", params={"node": "ours"}).json()
        assert client.get("/api/monitoring/metrics", params={"node": "nope"}).status_code == 404
    assert body["nodes"]["stock"]["status"] == "online" and body["nodes"]["dead"]["cpu_percent"] is None
    assert 0 < body["cluster"]["memory_percent"] < 100
    assert list(one["nodes"]) == ["ours"]


def test_history_series_with_window_and_step(cluster):
    until = datetime.now(UTC)
    since = until - timedelta(minutes=10)
    params = {
        "node": "stock",
        "metric": "memory_percent",
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    with cluster.service.client() as client:
        raw = client.get("/api/monitoring/metrics", params=params).json()
        stepped = client.get("/api/monitoring/metrics", params={**params, "step": 600}).json()
        everything = client.get("/api/monitoring/metrics", params={"since": since.isoformat()}).json()
    (series,) = raw["series"]
    assert series["node"] == "stock" and len(series["points"]) >= 2
    assert all(since.timestamp() <= ts <= until.timestamp() for ts, _ in series["points"])
    assert len(stepped["series"][0]["points"]) <= 2 and stepped["step_seconds"] == 600
    assert {(s["node"], s["metric"]) for s in everything["series"]} >= {
        ("stock", "cpu_percent"),
        ("ours", "load1"),
    }


def test_history_names_the_database_it_was_read_from(tmp_path):
    used = "postgresql" if postgres_requested() else "sqlite"
    with run_service(tmp_path) as service, service.client() as client:
        for source in (None, "database", "sqlite"):  # `sqlite`: the older name, whichever database is used
            params = {"metric": "load1", **({"source": source} if source else {})}
            answer = client.get("/api/monitoring/metrics", params=params)
            assert answer.status_code == 200 and answer.json()["source"] == used
        assert client.get("/api/monitoring/metrics", params={"source": "mysql"}).status_code == 422
        # `source=sqlite` alone still means the current figures, as `database` does.
        current = client.get("/api/monitoring/metrics", params={"source": "sqlite"}).json()
        assert "cluster" in current and "series" not in current


def test_history_refuses_bad_queries(cluster):
    with cluster.service.client() as client:
        assert client.get("/api/monitoring/metrics", params={"metric": "nonsense"}).status_code == 422
        assert client.get("/api/monitoring/metrics", params={"step": 0}).status_code == 422
        later, earlier = "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"
        reversed_window = client.get("/api/monitoring/metrics", params={"since": later, "until": earlier})
        assert reversed_window.status_code == 422 and "before" in reversed_window.json()["error"]["message"]
        naive = client.get("/api/monitoring/metrics", params={"since": "2026-01-01T00:00:00"})
        assert naive.status_code == 422


def test_collect_metrics_runs_a_round_now(cluster):
    with cluster.service.client() as client:
        body = client.post("/api/monitoring/collect_metrics").json()
    assert body["scraped"] >= 3 and body["failed"] >= 1 and "dead" in body["errors"]


def test_export_csv_is_a_streamed_download(cluster):
    with cluster.service.client() as client:
        response = client.get("/api/monitoring/export", params={"format": "csv", "node": "stock"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="dispycluster-stock-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {row["node"] for row in rows} == {"stock"}
    assert {"cpu_percent", "memory_percent", "disk_percent"} <= {row["metric"] for row in rows}
    assert all(float(row["value"]) >= 0 for row in rows)


def test_export_json_is_a_document_with_samples(cluster):
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with cluster.service.client() as client:
        response = client.get("/api/monitoring/export", params={"format": "json", "since": since})
        assert client.get("/api/monitoring/export", params={"format": "xml"}).status_code == 422
        assert client.get("/api/monitoring/export", params={"node": "nope"}).status_code == 404
    assert response.headers["content-disposition"].endswith('.json"')
    document = json.loads(response.text)
    assert document["samples"] and {"timestamp", "node", "metric", "value"} <= set(document["samples"][0])


def test_alerts_list_and_limits(cluster):
    with cluster.service.client() as client:
        assert client.get("/api/monitoring/alerts").json()["count"] >= 0
        assert client.get("/api/monitoring/alerts", params={"limit": 501}).status_code == 422
        assert client.get("/api/monitoring/alerts", params={"state": "maybe"}).status_code == 422


def test_the_webhook_refuses_other_versions(cluster):
    with cluster.service.client() as client:
        response = client.post(
            "/api/monitoring/alertmanager", json={"version": "3", "status": "firing", "alerts": []}
        )
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["loc"] == "body.version"


def test_service_metrics_use_the_agreed_names(cluster):
    with cluster.service.client() as client:
        client.get("/api/cluster/nodes/stock")
        time.sleep(0.6)
        text = client.get("/metrics").text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    for name in (
        "dispycluster_collection_rounds",
        "dispycluster_collection_round_duration_seconds",
        "dispycluster_scrape_errors",
        "dispycluster_node_up",
        "dispycluster_http_requests",
        "dispycluster_http_request_duration_seconds",
        "dispycluster_build_info",
    ):
        assert name in families, name
    assert "_created" not in text
    up = {s.labels["node"]: s.value for s in families["dispycluster_node_up"].samples}
    assert up["stock"] == 1 and up["dead"] == 0
    routes = {s.labels["route"] for s in families["dispycluster_http_requests"].samples}
    assert "/api/cluster/nodes/{node_name}" in routes and "/api/cluster/nodes/stock" not in routes


def test_webhook_keeps_label_values_of_any_length(cluster):
    """Alertmanager labels are free-form strings: a long one is stored as sent, on every database."""
    long_value = "x" * 600
    payload = {
        "version": "4",
        "status": "firing",
        "receiver": "cluster",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": f"Long{long_value}", "severity": long_value, "node": long_value},
                "annotations": {"summary": "long labels"},
                "startsAt": "2026-11-28T03:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "00000000deadbeef",
            }
        ],
    }
    with cluster.service.client() as client:
        assert client.post("/api/monitoring/alertmanager", json=payload).status_code == 200
        alerts = client.get("/api/monitoring/alerts", params={"state": "all", "limit": 500}).json()
    stored = [a for a in alerts["alerts"] if a["name"] == f"Long{long_value}"]
    assert [(a["severity"], a["node"]) for a in stored] == [(long_value, long_value)]
