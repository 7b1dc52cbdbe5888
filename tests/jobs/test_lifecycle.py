"""Cancel, timeouts, priority, schedule, retries, lost nodes and restarts with real dispynodes."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.jobs import SECRET, log_text, submit, wait_done, wait_job
from tests.support.processes import stop_process, wait_until


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _sleeper(pid_file: Path, seconds: int = 60) -> dict:
    # `sh` writes its pid, then becomes `sleep` (exec keeps the pid): the pid is the command's process.
    return {"command": ["sh", "-c", f"echo $$ > {pid_file}; exec sleep {seconds}"]}


def test_cancel_running_job_stops_the_process_on_the_node(start_node, make_client, tmp_path):
    client = make_client([start_node()])
    pid_file = tmp_path / "pid"
    job = submit(client, "processing", _sleeper(pid_file))
    wait_job(client, job["id"], lambda j: j["status"] == "running")
    wait_until(lambda: pid_file.read_text().strip() != "", timeout=20)
    pid = int(pid_file.read_text())
    assert _pid_alive(pid)
    # The node reports progress while the job runs (a provisional result), and it reaches the logs.
    wait_job(client, job["id"], lambda j: j["progress_message"] == f"running as pid {pid}")
    assert f"running as pid {pid}" in log_text(client, job["id"])
    response = client.delete(f"/api/jobs/{job['id']}")
    assert response.status_code == 202 and response.json()["cancel_requested"] is True
    done = wait_done(client, job["id"])
    assert done["status"] == "cancelled"
    wait_until(lambda: not _pid_alive(pid), timeout=10)
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 409


def test_job_timeout_stops_it_as_timed_out(start_node, make_client, tmp_path):
    client = make_client([start_node()])
    pid_file = tmp_path / "pid"
    job = submit(client, "processing", _sleeper(pid_file), timeout_s=1, max_retries=0)
    done = wait_done(client, job["id"])
    assert done["status"] == "timed_out", done
    wait_until(lambda: not _pid_alive(int(pid_file.read_text())), timeout=10)


def test_command_timeout_kills_the_command(start_node, make_client, tmp_path):
    client = make_client([start_node()])
    pid_file = tmp_path / "pid"
    params = _sleeper(pid_file) | {"timeout_s": 0.5}
    done = wait_done(client, submit(client, "processing", params, max_retries=0)["id"])
    assert done["status"] == "timed_out" and "killed" in done["error"]
    assert not _pid_alive(int(pid_file.read_text()))


def test_higher_priority_runs_first_then_fifo(start_node, make_client, tmp_path):
    client = make_client([start_node(cpus=1)], jobs_per_cpu=1)
    blocker = submit(client, "processing", {"command": ["sleep", "1"]})
    wait_job(client, blocker["id"], lambda j: j["status"] == "running")
    low = submit(client, "processing", {"command": ["true"]}, priority=2)
    first_high = submit(client, "processing", {"command": ["true"]}, priority=8)
    second_high = submit(client, "processing", {"command": ["true"]}, priority=8)
    jobs = [wait_done(client, j["id"]) for j in (low, first_high, second_high)]
    order = [j["id"] for j in sorted(jobs, key=lambda j: j["started_at"])]
    assert order == [first_high["id"], second_high["id"], low["id"]]


def test_scheduled_job_waits_for_its_time(start_node, make_client):
    client = make_client([start_node()])
    when = datetime.now(UTC) + timedelta(seconds=2)
    job = submit(client, "processing", {"command": ["true"]}, scheduled_at=when.isoformat())
    time.sleep(0.5)
    assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "queued"
    done = wait_done(client, job["id"])
    assert done["status"] == "succeeded"
    started = datetime.fromisoformat(done["started_at"].replace("Z", "+00:00"))
    assert started >= when.replace(microsecond=(when.microsecond // 1000) * 1000)


def test_failed_job_is_retried_automatically_then_on_request(start_node, make_client):
    client = make_client([start_node()])
    job = submit(client, "processing", {"command": ["false"]}, max_retries=1)
    done = wait_job(client, job["id"], lambda j: j["status"] == "failed" and j["attempts"] == 2)
    assert "retrying" in log_text(client, job["id"])
    retried = client.post(f"/api/jobs/{done['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    again = wait_job(client, job["id"], lambda j: j["status"] == "failed" and j["attempts"] == 3)
    assert again["error"] == "RuntimeError: command exited with code 1"


def test_node_killed_mid_job_is_lost_then_retried_on_the_other(start_node, make_client, tmp_path):
    first, second = start_node(cpus=1), start_node(host="127.0.0.2", cpus=1)
    client = make_client([first, second])
    wait_until(
        lambda: sum(n.state == "up" for n in client.app.state.runtime.jobs.node_states()) == 2, timeout=20
    )
    pid_file = tmp_path / "pid"
    job = submit(
        client, "processing", {"command": ["sh", "-c", f"echo $$ >> {pid_file}; sleep 3"]}, max_retries=1
    )
    running = wait_job(client, job["id"], lambda j: j["status"] == "running")
    victim = first if running["node"] == first.spec else second
    wait_until(pid_file.exists, timeout=10)
    stop_process(victim.proc)
    done = wait_done(client, job["id"], timeout=60)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2 and done["node"] != victim.spec
    assert "lost" in log_text(client, job["id"])
    for pid in pid_file.read_text().split():
        with contextlib.suppress(
            ProcessLookupError
        ):  # the command runs in its own session: it outlives the node
            os.kill(int(pid), signal.SIGKILL)


def test_node_removed_from_the_inventory_gets_no_more_jobs_until_added_again(start_node, make_client):
    first, second = start_node(cpus=1), start_node(host="127.0.0.2", cpus=1)
    client = make_client([])

    def add(node) -> None:
        body = {"name": node.name, "address": node.host, "dispy_port": node.port}
        assert client.post("/api/cluster/nodes", json=body).status_code == 201

    def run_jobs(count: int) -> set[str]:
        jobs = [submit(client, "processing", {"command": ["sleep", "0.4"]}) for _ in range(count)]
        done = [wait_done(client, job["id"]) for job in jobs]
        assert {job["status"] for job in done} == {"succeeded"}, done
        return {job["node"] for job in done}

    states = client.app.state.runtime.jobs.node_states
    add(first)
    add(second)
    wait_until(lambda: sum(s.state == "up" for s in states()) == 2, timeout=30)
    assert run_jobs(4) == {first.name, second.name}

    assert client.delete(f"/api/cluster/nodes/{second.name}").status_code == 204
    wait_until(lambda: [s.name for s in states()] == [first.name], timeout=15)
    # dispy itself lets go of the node: every job runs on the one still listed.
    assert run_jobs(4) == {first.name}
    # A node joining meanwhile does not bring the removed one back.
    third = start_node(host="127.0.0.3", cpus=1)
    add(third)
    wait_until(lambda: sum(s.state == "up" for s in states()) == 2, timeout=30)
    assert run_jobs(6) == {first.name, third.name}

    add(second)
    wait_until(lambda: sum(s.state == "up" for s in states()) == 3, timeout=30)
    assert run_jobs(6) == {first.name, second.name, third.name}


def test_restart_marks_active_jobs_lost(start_node, make_client, tmp_path):
    node = start_node()
    data_dir = tmp_path / "service"
    client = make_client([node], data_dir=data_dir)
    job = submit(client, "processing", _sleeper(tmp_path / "pid", 5), max_retries=0)
    wait_job(client, job["id"], lambda j: j["status"] == "running")
    client.__exit__(None, None, None)  # the dispatcher stops before dispy reports anything more
    restarted = wait_job(
        make_client([node], data_dir=data_dir), job["id"], lambda j: j["status"] != "running"
    )
    assert restarted["status"] == "lost"
    assert "service stopped" in restarted["error"]


def test_wrong_secret_is_reported_per_node(start_node, make_client):
    node = start_node(secret="not-" + SECRET)
    client = make_client([node])
    states = client.app.state.runtime.jobs.node_states
    wait_until(lambda: states()[0].state == "refused", timeout=20)
    assert "secret mismatch" in states()[0].message
    issues = client.get("/api/cluster/health").json()["issues"]
    assert any("secret mismatch" in issue and node.spec in issue for issue in issues), issues
    job = submit(client, "processing", {"command": ["true"]})
    time.sleep(0.5)
    assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "queued"
