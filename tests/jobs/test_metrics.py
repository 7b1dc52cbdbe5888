"""The jobs' series on `/metrics`: every type and terminal state exists at 0 once a node joins."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.support.jobs import submit, wait_done
from tests.support.processes import wait_until
from webapi.jobs.states import TERMINAL


def _jobs_total(client, node: str) -> dict[tuple[str, str], float]:
    families = text_string_to_metric_families(client.get("/metrics").text)
    return {
        (sample.labels["type"], sample.labels["status"]): sample.value
        for family in families
        if family.name == "dispycluster_jobs"
        for sample in family.samples
        if sample.name == "dispycluster_jobs_total" and sample.labels["node"] == node
    }


def test_series_of_a_joining_node_start_at_zero(start_node, make_client):
    node = start_node(cpus=1)
    client = make_client([node])
    types = {item["name"] for item in client.get("/api/jobs/types").json()}
    expected = {(type_, status.value) for type_ in types for status in TERMINAL}
    # Before the first job: the lost series the JobsLost rule watches already exists, at 0.
    wait_until(lambda: set(_jobs_total(client, node.spec)) == expected, timeout=30)
    assert set(_jobs_total(client, node.spec).values()) == {0.0}
    assert expected <= set(_jobs_total(client, ""))
    job = wait_done(client, submit(client, "processing", {"command": ["true"]})["id"])
    assert job["status"] == "succeeded"
    counted = _jobs_total(client, node.spec)
    assert counted.pop(("processing", "succeeded")) == 1.0
    assert set(counted.values()) == {0.0}
