"""Crash consistency: `kill -9` the service under concurrent submissions, several times, and restart it.

Every job that got a 201 must exist afterwards with its parameters, none may stay dispatched or
running once the restarted service has settled, and the SQLite file must pass `integrity_check`.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.jobs import SECRET
from tests.support.processes import free_port, wait_until
from tests.support.webservice import run_service

ROUNDS = 3
THREADS = 4
ACTIVE = {"dispatched", "running"}


def _service_env(nodes: list[str]) -> dict[str, str]:
    return {
        "dispy_port": str(free_port()),
        "dispy_nodes": ",".join(nodes),
        "dispy_secret": SECRET,
        "dispy_pulse_interval": "0.5",
        "job_retry_backoff_s": "0",
    }


def _submitter(url: str, tag: str, accepted: dict[int, dict[str, Any]], stop: threading.Event) -> None:
    """Posts jobs until the service dies; keeps each one that was answered 201."""
    with httpx.Client(base_url=url, timeout=5.0, trust_env=False) as client:
        for i in range(10_000):
            if stop.is_set():
                return
            body = {
                "name": f"{tag}-{i}",
                "type": "processing",
                "parameters": {"command": ["sleep", "0.2"], "env": {"JOB_TAG": f"{tag}-{i}"}},
                "priority": 1 + i % 10,
            }
            try:
                response = client.post("/api/jobs", json=body)
            except httpx.HTTPError:
                return
            if response.status_code == 201:
                accepted[response.json()["id"]] = body


def _crash_round(tmp_path: Path, node: str, rng: random.Random, tag: str, accepted: dict) -> None:
    with run_service(tmp_path, **_service_env([node])) as service:
        assert service.proc is not None
        stop = threading.Event()
        threads = [
            threading.Thread(target=_submitter, args=(service.url, f"{tag}t{t}", accepted, stop))
            for t in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.5, 2.5))
        os.killpg(service.proc.pid, signal.SIGKILL)
        service.proc.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def _all_jobs(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.get("/api/jobs", params={"limit": 500, "offset": len(items)}).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def _integrity(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_kill_9_under_load_loses_no_accepted_job(tmp_path: Path, start_node) -> None:
    rng = random.Random(7)
    accepted: dict[int, dict[str, Any]] = {}
    for number in range(ROUNDS):
        # A fresh node each round: the killed client's node stays reserved for it until dispy times out.
        _crash_round(tmp_path, start_node().spec, rng, f"r{number}", accepted)
    assert len(accepted) >= ROUNDS * THREADS

    # The last start has no node: recovery alone must leave nothing dispatched or running.
    with run_service(tmp_path, **_service_env([])) as service, service.client() as client:
        wait_until(lambda: not ACTIVE & {job["status"] for job in _all_jobs(client)}, timeout=30)
        jobs = _all_jobs(client)
        # Some job was on a node at a kill: recovery marked it lost (and retried it).
        assert any(job["status"] == "lost" or job["attempts"] > 1 for job in jobs)
        for job_id, body in accepted.items():
            job = client.get(f"/api/jobs/{job_id}").json()
            assert (job["name"], job["type"], job["priority"]) == (
                body["name"],
                body["type"],
                body["priority"],
            )
            assert job["parameters"]["command"] == body["parameters"]["command"]
            assert job["parameters"]["env"] == body["parameters"]["env"]
            assert job["status"] not in ACTIVE, job
        data_dir = service.data_dir
    if not os.environ.get("DISPYCLUSTER_DATABASE_URL"):
        assert _integrity(data_dir / "dispycluster.db") == "ok"
