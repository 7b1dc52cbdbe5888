"""Live output on a real dispynode: lines reach the service while the command runs, and stay when it is
stopped. Assertions are on states and order, never on timings."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.jobs import submit, wait_done, wait_job
from tests.support.processes import wait_until

TICKING = "for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; echo tock $i >&2; sleep 0.3; done"


def _lines(client: TestClient, job_id: int, stream: str) -> list[dict[str, Any]]:
    items = client.get(f"/api/jobs/{job_id}/logs").json()["items"]
    return [line for line in items if line["stream"] == stream]


def test_lines_are_stored_while_the_command_still_runs(start_node, make_client):
    client = make_client([start_node()])
    job = submit(client, "processing", {"command": ["sh", "-c", TICKING]})
    seen_running: list[str] = []

    def a_line_while_running() -> bool:
        lines = _lines(client, job["id"], "stdout")
        status = client.get(f"/api/jobs/{job['id']}").json()["status"]
        # Read after the lines: a job still running then was running when they were stored.
        if lines and status == "running":
            seen_running.extend(line["text"] for line in lines)
        return bool(seen_running)

    wait_until(a_line_while_running, timeout=40, interval=0.1)
    assert seen_running[0] == "tick 1"
    done = wait_done(client, job["id"])
    assert done["status"] == "succeeded"
    stdout, stderr = _lines(client, job["id"], "stdout"), _lines(client, job["id"], "stderr")
    assert [line["text"] for line in stdout] == [f"tick {i}" for i in range(1, 11)]
    assert [line["text"] for line in stderr] == [f"tock {i}" for i in range(1, 11)]
    assert {line["attempt"] for line in stdout + stderr} == {1}
    # Sent once: nothing comes again with dispy's final reply.
    assert done["result"]["stdout_bytes"] == sum(len(line["text"]) + 1 for line in stdout)


def test_a_cancelled_command_keeps_what_it_printed(start_node, make_client):
    client = make_client([start_node()])
    job = submit(client, "processing", {"command": ["sh", "-c", "echo first; sleep 60"]}, max_retries=0)
    wait_job(client, job["id"], lambda _job: bool(_lines(client, job["id"], "stdout")))
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 202
    done = wait_done(client, job["id"])
    assert done["status"] == "cancelled"
    assert [line["text"] for line in _lines(client, job["id"], "stdout")] == ["first"]


def test_a_command_killed_at_its_own_timeout_keeps_its_output(start_node, make_client):
    client = make_client([start_node()])
    params = {"command": ["sh", "-c", "echo partial; echo more >&2; sleep 60"], "timeout_s": 2}
    done = wait_done(client, submit(client, "processing", params, max_retries=0)["id"])
    assert done["status"] == "timed_out"
    assert [line["text"] for line in _lines(client, done["id"], "stdout")] == ["partial"]
    assert [line["text"] for line in _lines(client, done["id"], "stderr")] == ["more"]
