"""The jobs inside the service: inventory nodes are used, the cluster answers show the dispy side."""

from __future__ import annotations

from tests.support.jobs import submit, wait_done
from tests.support.processes import wait_until


def test_inventory_node_runs_jobs_and_shows_its_dispy_side(start_node, make_client):
    node = start_node(cpus=1)
    client = make_client([])
    added = client.post(
        "/api/cluster/nodes",
        json={"name": "worker", "address": node.host, "exporter": "127.0.0.1:9", "dispy_port": node.port},
    )
    assert added.status_code == 201, added.text

    def dispy_side() -> dict | None:
        nodes = {item["name"]: item for item in client.get("/api/cluster/nodes").json()}
        return nodes["worker"]["dispy"]

    wait_until(lambda: (dispy_side() or {}).get("state") == "up", timeout=30)
    assert dispy_side()["cpus"] == 1
    job = wait_done(client, submit(client, "processing", {"command": ["true"]})["id"])
    assert job["status"] == "succeeded" and job["node"] == "worker"
    wait_until(
        lambda: (client.get("/api/cluster/overview").json()["jobs"] or {}).get("succeeded") == 1, timeout=15
    )
    parts = {part["name"]: part for part in client.get("/api/cluster/overview").json()["parts"]}
    assert parts["jobs"]["status"] == "ok" and "1 of 1 dispy nodes up" in parts["jobs"]["detail"]
