"""Placement, drain and resume through the API, on a service with real dispynodes on loopback: a pinned
job runs on its node, a drained node gets no new job, drains outlive restarts and inventory changes."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.support.jobs import submit, wait_done, wait_job
from tests.support.processes import wait_until


def _add(client, name: str, host: str = "127.0.0.1", port: int = 9701, **labels: str) -> None:
    body = {"name": name, "address": host, "dispy_port": port, "labels": labels}
    assert client.post("/api/cluster/nodes", json=body).status_code == 201


def _schedulable_gauge(client) -> dict[str, float]:
    text = client.get("/metrics").text
    return {
        sample.labels["node"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "dispycluster_node_schedulable"
        for sample in family.samples
    }


def test_drain_and_resume_answer_the_node_and_outlive_a_restart_and_a_removal(make_client, tmp_path):
    data_dir = tmp_path / "service"
    client = make_client([], data_dir=data_dir)
    _add(client, "pi1", arch="arm64")
    fresh = client.get("/api/cluster/nodes").json()[0]
    assert (fresh["schedulable"], fresh["unschedulable_reason"]) == (True, None)

    drained = client.post("/api/cluster/nodes/pi1/drain", json={"reason": "new fan"})
    assert drained.status_code == 200, drained.text
    body = drained.json()
    assert (body["name"], body["schedulable"], body["drained"]) == ("pi1", False, True)
    assert body["unschedulable_reason"] == "pi1 is drained (new fan)"
    assert client.get("/api/cluster/nodes/pi1").json()["unschedulable_reason"] == "pi1 is drained (new fan)"
    assert _schedulable_gauge(client)["pi1"] == 0
    # No body at all is a drain without a reason.
    assert client.post("/api/cluster/nodes/pi1/drain").json()["unschedulable_reason"] == "pi1 is drained"

    client.__exit__(None, None, None)
    client = make_client([], data_dir=data_dir)
    assert client.get("/api/cluster/nodes/pi1").json()["schedulable"] is False
    # Keyed by name: the node removed and listed again is still drained.
    assert client.delete("/api/cluster/nodes/pi1").status_code == 204
    _add(client, "pi1", arch="arm64")
    assert client.get("/api/cluster/nodes/pi1").json()["schedulable"] is False

    resumed = client.post("/api/cluster/nodes/pi1/resume")
    assert resumed.status_code == 200
    assert (resumed.json()["schedulable"], resumed.json()["unschedulable_reason"]) == (True, None)
    assert resumed.json()["drained"] is False
    assert _schedulable_gauge(client)["pi1"] == 1


def test_a_drain_until_a_time_ends_by_itself(make_client):
    client = make_client([])
    _add(client, "pi1")
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body = client.post("/api/cluster/nodes/pi1/drain", json={"until": until}).json()
    assert body["schedulable"] is False and " until " in body["unschedulable_reason"]


def test_bad_drain_requests_are_4xx_with_a_message(make_client):
    client = make_client([])
    _add(client, "pi1")
    unknown = client.post("/api/cluster/nodes/ghost/drain")
    assert unknown.status_code == 404 and "ghost" in unknown.json()["error"]["message"]
    assert client.post("/api/cluster/nodes/ghost/resume").status_code == 404
    cases = [
        {"reason": "x" * 201},
        {"until": "2000-01-01T00:00:00Z"},  # in the past
        {"until": "0001-01-01T00:00:00+14:00"},  # outside the calendar
        {"until": "soon"},
        {"why": "extra field"},
    ]
    for body in cases:
        response = client.post("/api/cluster/nodes/pi1/drain", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["fields"], body
    assert client.get("/api/cluster/nodes/pi1").json()["schedulable"] is True


def test_a_placement_naming_an_unknown_node_is_a_422(make_client):
    client = make_client([])
    _add(client, "pi1")
    body = {"name": "x", "type": "processing", "parameters": {"command": ["true"]}}
    response = client.post("/api/jobs", json=body | {"placement": {"nodes": ["pi1", "ghost"]}})
    assert response.status_code == 422
    assert "ghost" in response.json()["error"]["message"]
    assert response.json()["error"]["fields"][0]["loc"] == "body.placement.nodes.1"
    bad_label = client.post("/api/jobs", json=body | {"placement": {"labels": {"bad-key": "x"}}})
    assert bad_label.status_code == 422


def test_a_pinned_job_runs_on_its_node_and_a_drained_node_gets_no_new_job(start_node, make_client):
    first, second = start_node(cpus=1), start_node(host="127.0.0.2", cpus=1)
    client = make_client([])
    _add(client, first.name, first.host, first.port, arch="arm64")
    _add(client, second.name, second.host, second.port, arch="amd64")
    states = client.app.state.runtime.jobs.node_states
    wait_until(lambda: sum(s.state == "up" for s in states()) == 2, timeout=30)

    sleep = {"command": ["sleep", "0.2"]}
    pinned = [submit(client, "processing", sleep, placement={"nodes": [second.name]}) for _ in range(3)]
    by_label = submit(client, "processing", sleep, placement={"labels": {"arch": "arm64"}})
    assert {wait_done(client, job["id"])["node"] for job in pinned} == {second.name}
    assert wait_done(client, by_label["id"])["node"] == first.name

    assert client.post(f"/api/cluster/nodes/{second.name}/drain", json={"reason": "test"}).status_code == 200
    waiting = submit(client, "processing", sleep, placement={"labels": {"arch": "amd64"}})
    anywhere = [submit(client, "processing", sleep) for _ in range(4)]
    assert {wait_done(client, job["id"])["node"] for job in anywhere} == {first.name}
    seen = wait_job(client, waiting["id"], lambda j: j["waiting_reason"] is not None)
    assert seen["status"] == "queued"
    assert (
        seen["waiting_reason"] == f"no schedulable node matches arch=amd64: {second.name} is drained (test)"
    )
    listed = client.get("/api/jobs", params={"status": "queued"}).json()["items"]
    assert [job["waiting_reason"] for job in listed] == [seen["waiting_reason"]]

    assert client.post(f"/api/cluster/nodes/{second.name}/resume").status_code == 200
    done = wait_done(client, waiting["id"])
    assert (done["node"], done["waiting_reason"]) == (second.name, None)
    # No exporter runs on these nodes: what the run cost them is unknown, not made up.
    assert (done["peak_temperature_celsius"], done["throttled"]) == (None, None)
    assert done["placement"] == {"nodes": [], "labels": {"arch": "amd64"}}


def test_jobs_waiting_for_a_node_that_dies_end_lost_instead_of_waiting_forever(start_node, make_client):
    """dispy drops the jobs queued for a dead node without a word; the service ends them `lost`."""
    victim = start_node(cpus=1)
    client = make_client([])
    _add(client, victim.name, victim.host, victim.port)
    states = client.app.state.runtime.jobs.node_states
    wait_until(lambda: sum(s.state == "up" for s in states()) == 1, timeout=30)
    pinned = {"nodes": [victim.name]}
    running = submit(client, "processing", {"command": ["sleep", "30"]}, placement=pinned, max_retries=0)
    queued = submit(client, "processing", {"command": ["true"]}, placement=pinned, max_retries=0)
    wait_job(client, running["id"], lambda j: j["status"] == "running")
    assert client.get(f"/api/jobs/{queued['id']}").json()["status"] == "dispatched"  # waiting in dispy
    os.killpg(victim.proc.pid, signal.SIGKILL)
    assert wait_done(client, running["id"])["status"] == "lost"
    ended = wait_done(client, queued["id"])
    assert (ended["status"], ended["error"]) == ("lost", f"node {victim.name} stopped answering")


def test_a_job_dispy_held_for_a_node_drained_meanwhile_is_taken_back_and_runs_after_the_resume(
    start_node, make_client
):
    node = start_node(cpus=1)
    client = make_client([])
    _add(client, node.name, node.host, node.port)
    states = client.app.state.runtime.jobs.node_states
    wait_until(lambda: any(s.state == "up" for s in states()), timeout=30)
    pinned = {"nodes": [node.name]}
    running = submit(client, "processing", {"command": ["sleep", "3"]}, placement=pinned)
    wait_job(client, running["id"], lambda j: j["status"] == "running")
    # The node's one CPU is busy: dispy holds this one for it.
    held = submit(client, "processing", {"command": ["true"]}, placement=pinned)
    wait_job(client, held["id"], lambda j: j["status"] == "dispatched")

    assert client.post(f"/api/cluster/nodes/{node.name}/drain", json={"reason": "test"}).status_code == 200
    back = wait_job(client, held["id"], lambda j: j["status"] == "queued")
    assert back["attempts"] == 0
    assert (
        back["waiting_reason"]
        == f"no schedulable node matches node {node.name}: {node.name} is drained (test)"
    )
    assert wait_done(client, running["id"])["status"] == "succeeded"
    logs = client.get(f"/api/jobs/{held['id']}/logs").json()["items"]
    assert f"taken back before it started: {node.name} is drained (test)" in [line["text"] for line in logs]

    assert client.post(f"/api/cluster/nodes/{node.name}/resume").status_code == 200
    done = wait_done(client, held["id"])
    assert (done["status"], done["attempts"], done["node"]) == ("succeeded", 1, node.name)
