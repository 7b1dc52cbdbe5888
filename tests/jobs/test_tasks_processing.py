"""`processing` end to end on a real dispynode."""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.support.jobs import log_text, submit, wait_done


def test_command_output_and_exit_code(start_node, make_client):
    node = start_node()
    client = make_client([node])
    params = {
        "command": ["sh", "-c", 'cat; echo "$GREETING"; echo oops >&2'],
        "env": {"GREETING": "hi"},
        "stdin": "from stdin\n",
    }
    job = wait_done(client, submit(client, "processing", params)["id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["exit_code"] == 0
    assert job["node"] == node.spec
    assert job["attempts"] == 1 and job["progress"] == 100.0
    logs = client.get(f"/api/jobs/{job['id']}/logs").json()["items"]
    assert [(line["stream"], line["text"]) for line in logs if line["stream"] in ("stdout", "stderr")] == [
        ("stdout", "from stdin"),
        ("stdout", "hi"),
        ("stderr", "oops"),
    ]


def test_nonzero_exit_fails_with_its_output(start_node, make_client):
    client = make_client([start_node()])
    job = submit(client, "processing", {"command": ["sh", "-c", "echo bad; exit 3"]}, max_retries=0)
    job = wait_done(client, job["id"])
    assert job["status"] == "failed"
    assert "exited with code 3" in job["error"]
    assert "bad" in log_text(client, job["id"])


def test_outcomes_are_counted_in_the_metrics(start_node, make_client):
    node = start_node()
    client = make_client([node])
    labels = {"type": "processing", "status": "succeeded", "node": node.spec}
    before = REGISTRY.get_sample_value("dispycluster_jobs_total", labels) or 0.0
    wait_done(client, submit(client, "processing", {"command": ["true"]})["id"])
    assert REGISTRY.get_sample_value("dispycluster_jobs_total", labels) == before + 1
    assert "dispycluster_job_run_seconds_count" in client.get("/metrics").text
