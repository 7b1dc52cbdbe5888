"""Jobs: end to end through the service against raw dispy, submission against /api/health, and the
job list with 10,000 against 1,000,000 rows. Everything on loopback, in one run, on this machine.

1. 1,000 trivial jobs (`processing` of `true`) POSTed to a real `dispycluster web` process until all
   succeeded, against raw dispy: a JobCluster with a setup function submitting the same function
   (`dispycluster_run` with the same task) to a dispynode of its own, in alternating rounds. Goals:
   throughput >= 0.8x raw dispy, median submit-to-succeeded latency (sequential jobs) <= 2x raw
   dispy's round trip.
2. POST /api/jobs against GET /api/health, same client threads and concurrency (no node, so jobs queue),
   in alternating rounds. Goal: >= 0.5x.
3. GET /api/jobs?status=failed&limit=50 with 1,000,000 jobs (bulk-inserted) against 10,000.
   Goals: p50 <= 25 ms and <= 1.5x the 10,000-row p50.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dispy
import httpx

from tests.support.processes import free_port, running, wait_until
from webapi.core.db import migrate
from webapi.core.db.engine import make_engine
from webapi.core.settings import load_settings
from webapi.jobs import node_runtime
from webapi.jobs.dispy_compat import install_getargspec
from webapi.jobs.registry import Registry

JOBS = 1000
ROUNDS = 3
SEQUENTIAL = 50
LOAD_SECONDS = 2.0
LOAD_ROUNDS = 5
LOAD_THREADS = 8
LIST_REQUESTS = 200
SECRET = "bench-secret"
TRIVIAL = {"command": ["true"]}


@contextlib.contextmanager
def dispynode(tmp: Path, name: str) -> Iterator[int]:
    port = free_port()
    argv = [sys.executable, str(Path(sys.executable).with_name("dispynode.py")), "-i", "127.0.0.1"]
    argv += [
        "-p",
        str(port - 1),
        "--daemon",
        "--clean",
        "--dest_path_prefix",
        str(tmp / name),
        "-s",
        SECRET,
    ]
    with running(argv, log_path=tmp / f"{name}.log", cwd=tmp):
        wait_until(lambda: _listening(port), timeout=20)
        yield port


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


@contextlib.contextmanager
def service(
    tmp: Path, name: str, node_port: int | None, extra: dict[str, str] | None = None
) -> Iterator[str]:
    port = free_port()
    env = (extra or {}) | {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DISPYCLUSTER_DATA_DIR": str(tmp / name),
        "DISPYCLUSTER_DISPY_SECRET": SECRET,
        "DISPYCLUSTER_DISPY_PORT": str(free_port()),
        "DISPYCLUSTER_DISPY_NODES": f"127.0.0.1:{node_port}" if node_port else "",
    }
    argv = [sys.executable, "-m", "webapi.cli", "web"]
    base = f"http://127.0.0.1:{port}"
    with running(argv, log_path=tmp / f"{name}.log", env=env, cwd=tmp, ready_url=f"{base}/api/health"):
        yield base


# -- 1. end to end against raw dispy ---------------------------------------------------------------------
@contextlib.contextmanager
def raw_cluster(node_port: int) -> Iterator[tuple[dispy.JobCluster, tuple]]:
    """Raw dispy: a JobCluster with the service's setup function and the arguments of a `processing`
    job of `true`, on its own node."""
    install_getargspec()
    task = Registry.from_entry_points().get("processing")
    assert task is not None
    args = (task.node_source, task.entry, TRIVIAL, {"allow_commands": True, "output_limit": 65536})
    cluster = dispy.JobCluster(
        node_runtime.dispycluster_run,
        nodes=[("127.0.0.1", node_port)],
        setup=node_runtime.dispycluster_setup,
        host="127.0.0.1",
        dispy_port=free_port(),
        secret=SECRET,
        loglevel=dispy.logger.WARNING,
        recover_file=str(Path(tempfile.gettempdir()) / f"bench-jobs-recover-{os.getpid()}"),
    )
    try:
        warm = cluster.submit(*args)
        assert warm.finish.wait(30)
        yield cluster, args
    finally:
        cluster.close(timeout=10, terminate=True)


def raw_round_trip(cluster: dispy.JobCluster, args: tuple) -> float:
    """Median of SEQUENTIAL one-at-a-time round trips, in ms."""
    trips = []
    for _ in range(SEQUENTIAL):
        started = time.perf_counter()
        job = cluster.submit(*args)
        assert job.finish.wait(30)
        assert job.status == dispy.DispyJob.Finished and job.result["ok"], job.exception
        trips.append((time.perf_counter() - started) * 1000)
    return statistics.median(trips)


def raw_throughput(cluster: dispy.JobCluster, args: tuple) -> float:
    """Jobs/s for JOBS jobs submitted at once."""
    started = time.perf_counter()
    jobs = [cluster.submit(*args) for _ in range(JOBS)]
    assert cluster.wait(timeout=300)
    elapsed = time.perf_counter() - started
    failed = [job for job in jobs if job.status != dispy.DispyJob.Finished or not job.result["ok"]]
    if failed:
        print(
            f"  raw dispy: {len(failed)} of {JOBS} jobs did not finish: {failed[0].status} "
            f"{failed[0].exception or failed[0].result}"
        )
    return JOBS / elapsed


def _post(client: httpx.Client) -> int:
    response = client.post("/api/jobs", json={"name": "bench", "type": "processing", "parameters": TRIVIAL})
    response.raise_for_status()
    return int(response.json()["id"])


def api_time(value: str) -> datetime:
    """A time of the API's answers (ISO 8601, `Z` for UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _ms_between(job: dict, start: str, end: str) -> float:
    return (api_time(job[end]) - api_time(job[start])).total_seconds() * 1000


def api_latency(client: httpx.Client) -> float:
    """Median submit-to-succeeded time of SEQUENTIAL one-at-a-time jobs, in ms: the job's own
    created_at → finished_at (polling faster would only take CPU from the service and the node, which
    raw dispy's client does not: it waits on an event)."""
    _wait_succeeded(client, _post(client), 0.05)
    latencies = []
    for _ in range(SEQUENTIAL):
        job_id = _post(client)
        _wait_succeeded(client, job_id, 0.01)
        latencies.append(_ms_between(client.get(f"/api/jobs/{job_id}").json(), "created_at", "finished_at"))
    return statistics.median(latencies)


def _succeeded(client: httpx.Client) -> int:
    return client.get("/api/jobs", params={"status": "succeeded", "limit": 1}).json()["total"]


def api_throughput(base: str, client: httpx.Client) -> float:
    """Jobs/s for JOBS jobs posted by 4 threads until all succeeded.

    The load tool is kept light (stdlib keep-alive connections, completion polled every 0.1 s) because
    it shares the CPUs with the service and the node: raw dispy's client costs about 1 ms of CPU per job,
    httpx and a 20 ms poll cost twice that, which the node then lacks. The poll can only add up to 0.1 s
    to the measured time (under 1 %), against the service."""
    before = _succeeded(client)
    started = time.perf_counter()
    threads = [threading.Thread(target=_post_many, args=(base, JOBS // 4)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: _succeeded(client) >= before + JOBS, timeout=300, interval=0.1)
    elapsed = time.perf_counter() - started
    failed = client.get("/api/jobs", params={"status": "failed", "limit": 1}).json()["total"]
    assert failed == 0, f"{failed} bench jobs failed"
    return JOBS / elapsed


def _wait_succeeded(client: httpx.Client, job_id: int, interval: float) -> None:
    wait_until(lambda: client.get(f"/api/jobs/{job_id}").json()["status"] == "succeeded", 60, interval)


def _post_many(base: str, count: int) -> None:
    body = json.dumps({"name": "bench", "type": "processing", "parameters": TRIVIAL})
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    try:
        for _ in range(count):
            connection.request("POST", "/api/jobs", body, headers)
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"POST /api/jobs answered {response.status}")
    finally:
        connection.close()


@contextlib.contextmanager
def side_by_side(tmp: Path) -> Iterator[tuple[dispy.JobCluster, tuple, str, httpx.Client]]:
    """Raw dispy and the service, each with its own fresh dispynode: the cluster and its job arguments,
    the service's URL and a client of it."""
    with (
        dispynode(tmp, "raw-node") as raw_port,
        dispynode(tmp, "api-node") as api_port,
        raw_cluster(raw_port) as (cluster, args),
        service(tmp, "e2e", api_port) as base,
        httpx.Client(base_url=base, timeout=60, trust_env=False) as client,
    ):
        yield cluster, args, base, client


def end_to_end(tmp: Path) -> None:
    """Raw dispy and the service measured in alternating rounds: the host's other load drifts, and
    alternating exposes both sides to it alike."""
    with side_by_side(tmp) as (cluster, args, base, client):
        raw_trip, api_trip = raw_round_trip(cluster, args), api_latency(client)
        raw_rates, api_rates = [], []
        for _ in range(ROUNDS):
            raw_rates.append(raw_throughput(cluster, args))
            api_rates.append(api_throughput(base, client))
    print(f"{JOBS} trivial jobs per round, {ROUNDS} rounds, 1 local dispynode each ({os.cpu_count()} CPUs):")
    for index, (raw, api) in enumerate(zip(raw_rates, api_rates, strict=True), 1):
        print(f"  round {index}: raw dispy {raw:6.1f} jobs/s, API {api:6.1f} jobs/s, ratio {api / raw:.2f}")
    # Over all rounds: the same number of jobs on both sides, so the ratio of the total times.
    ratio = sum(1 / raw for raw in raw_rates) / sum(1 / api for api in api_rates)
    lat = api_trip / raw_trip
    print(
        f"  throughput ratio over the rounds {ratio:.2f} (goal >= 0.8: {_verdict(ratio >= 0.8)})\n"
        f"  sequential: raw round trip median {raw_trip:.1f} ms, API submit-to-succeeded median "
        f"{api_trip:.1f} ms, ratio {lat:.2f} (goal <= 2: {_verdict(lat <= 2)})"
    )


# -- 2. submission against /api/health ---------------------------------------------------------------------
def load(base: str, method: str, path: str, body: dict | None) -> float:
    """Requests/s with LOAD_THREADS keep-alive clients for LOAD_SECONDS."""
    stop = time.monotonic() + LOAD_SECONDS
    counts = [0] * LOAD_THREADS

    def worker(index: int) -> None:
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            while time.monotonic() < stop:
                client.request(method, path, json=body).raise_for_status()
                counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / LOAD_SECONDS


# -- 3. the list with many rows ----------------------------------------------------------------------------
STATUSES = ["succeeded"] * 16 + ["failed", "failed", "cancelled", "timed_out"]


def fill(data_dir: Path, rows: int) -> None:
    """Bulk-inserts `rows` finished jobs (a status mix where 10 % failed) into a migrated database."""
    engine = make_engine(load_settings(data_dir=data_dir).resolved_database_url)
    migrate.upgrade(engine)
    engine.dispose()
    # One job a second up to now: within the default 30-day retention, or the service would spend the
    # measurement deleting them (DISPYCLUSTER_JOB_RETENTION_DAYS).
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=rows)
    with contextlib.closing(sqlite3.connect(data_dir / "dispycluster.db")) as db:
        batch = []
        for i in range(rows):
            created = (start + timedelta(seconds=i)).isoformat(sep=" ")
            batch.append(
                (
                    f"job {i}",
                    "processing",
                    '{"command": ["true"]}',
                    STATUSES[i % 20],
                    5,
                    created,
                    created,
                    created,
                    "node1",
                    1,
                    1,
                    100.0,
                    0,
                    0,
                )
            )
            if len(batch) == 50_000 or i == rows - 1:
                db.executemany(
                    "INSERT INTO jobs (name, type, parameters, status, priority, created_at, started_at, "
                    "finished_at, node, attempts, max_retries, progress, cancel_requested, log_bytes) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch.clear()
        db.commit()


def list_p50(base: str) -> float:
    timings = []
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        for i in range(LIST_REQUESTS + 20):
            started = time.perf_counter()
            page = client.get("/api/jobs", params={"status": "failed", "limit": 50, "offset": (i % 4) * 50})
            page.raise_for_status()
            if i >= 20:
                timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        try:
            run(tmp)
        except Exception:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-1500:]}", file=sys.stderr)
            raise


def run(tmp: Path) -> None:
    end_to_end(tmp)

    # Alternating short rounds, like the end-to-end phase: the host's load drifts within seconds.
    healths, posts = [], []
    with service(tmp, "load", None) as base:
        for _ in range(LOAD_ROUNDS):
            healths.append(load(base, "GET", "/api/health", None))
            posts.append(
                load(base, "POST", "/api/jobs", {"name": "b", "type": "processing", "parameters": TRIVIAL})
            )
    health, post = statistics.mean(healths), statistics.mean(posts)
    print(
        f"load, {LOAD_THREADS} client threads, {LOAD_ROUNDS} alternating rounds of {LOAD_SECONDS:.0f} s: "
        f"GET /api/health {health:.0f} req/s ({min(healths):.0f}-{max(healths):.0f}), "
        f"POST /api/jobs {post:.0f} req/s ({min(posts):.0f}-{max(posts):.0f}), ratio {post / health:.2f} "
        f"(goal >= 0.5: {_verdict(post / health >= 0.5)})"
    )

    results = {}
    for rows in (10_000, 1_000_000):
        data_dir = tmp / f"rows{rows}"
        began = time.perf_counter()
        fill(data_dir, rows)
        filled = time.perf_counter() - began
        with service(tmp, f"rows{rows}", None) as base:
            results[rows] = list_p50(base)
        print(
            f"GET /api/jobs?status=failed&limit=50 with {rows:>9,} jobs (filled in {filled:.1f} s): "
            f"p50 {results[rows]:.2f} ms"
        )
    big, small = results[1_000_000], results[10_000]
    print(
        f"  1M p50 {big:.2f} ms (goal <= 25: {_verdict(big <= 25)}), ratio to 10k {big / small:.2f} "
        f"(goal <= 1.5: {_verdict(big / small <= 1.5)})"
    )
