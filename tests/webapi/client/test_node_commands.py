"""`dispycluster node drain|resume NAME` as a subprocess against the real service (its
`POST /api/cluster/nodes/{name}/drain` and `/resume`)."""

from __future__ import annotations

import json

import pytest

from tests.support.processes import free_port
from tests.webapi.client.conftest import Cluster

pytestmark = pytest.mark.slow


def _add_node(cluster: Cluster, name: str) -> None:
    body = {"name": name, "address": "127.0.0.1", "exporter": f"127.0.0.1:{free_port()}"}
    with cluster.api() as api:
        response = api.post("/api/cluster/nodes", json=body)
    assert response.status_code == 201, response.text


def _summary(cluster: Cluster, name: str) -> dict:
    with cluster.api() as api:
        response = api.get(f"/api/cluster/nodes/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def test_drain_then_resume_a_node(cluster: Cluster):
    _add_node(cluster, "pi-drained")
    drained = cluster.cli("node", "drain", "pi-drained", "--reason", "fan replacement", "--until", "2h")
    assert drained.returncode == 0, drained.stderr
    summary = _summary(cluster, "pi-drained")
    assert summary["schedulable"] is False and summary["unschedulable_reason"]
    # The service's own words for why the node takes no job.
    assert drained.stdout == f"node pi-drained: not schedulable: {summary['unschedulable_reason']}\n"

    resumed = cluster.cli("node", "resume", "pi-drained", "--json")
    assert resumed.returncode == 0, resumed.stderr
    node = json.loads(resumed.stdout)
    assert node["name"] == "pi-drained" and node["schedulable"] is True
    assert _summary(cluster, "pi-drained")["schedulable"] is True


def test_drain_without_a_reason_and_as_json(cluster: Cluster):
    _add_node(cluster, "pi-json")
    result = cluster.cli("node", "drain", "pi-json", "--json")
    assert result.returncode == 0, result.stderr
    node = json.loads(result.stdout)
    assert node["name"] == "pi-json" and node["schedulable"] is False
    assert node["unschedulable_reason"] == _summary(cluster, "pi-json")["unschedulable_reason"]
    text = cluster.cli("node", "resume", "pi-json")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("node pi-json: schedulable (status ")


def test_an_unknown_node_is_a_404_in_words(cluster: Cluster):
    result = cluster.cli("node", "drain", "no-such-node")
    assert result.returncode == 6
    assert "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith("dispycluster node drain: ") and "(HTTP 404)" in line


def test_a_bad_until_is_a_usage_error_and_drains_nothing(cluster: Cluster):
    _add_node(cluster, "pi-until")
    result = cluster.cli("node", "drain", "pi-until", "--until", "tomorrow")
    assert result.returncode == 2
    assert "--until takes a duration" in result.stderr
    assert _summary(cluster, "pi-until")["schedulable"] is True


def test_a_drain_needs_the_token(cluster: Cluster):
    _add_node(cluster, "pi-token")
    result = cluster.cli("node", "drain", "pi-token", "--token", "not-the-token-0123456789")
    assert result.returncode == 6 and "HTTP 401" in result.stderr
    assert _summary(cluster, "pi-token")["schedulable"] is True
