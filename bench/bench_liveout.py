"""Live output: does a command printing 10,000 lines a second stall the service?

A real `dispycluster web` process and a dispynode on loopback. In alternating rounds, one `processing`
job runs for ROUND_S seconds printing up to CHATTY_RATE lines a second, either to /dev/null (the
baseline: the same work on the machine, nothing sent) or to its stdout, with the output and log limits
raised so that every line is sent and stored; meanwhile one client measures GET /api/jobs/{id} (a
database read through the same worker) back to back. Figures: the read's median and p95 latency during
sent rounds against silent ones (goal: median <= 1.5x), and how many lines each job stored and in how
many writes (batches, not one message per line). The node, the command, the service and the client
share the machine's CPUs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_jobs import dispynode, service
from tests.support.processes import wait_until

ROUNDS = 3
ROUND_S = 3.0
CHATTY_RATE = 10_000
LIMIT = str(64 * 1024 * 1024)
# Prints CHATTY_RATE numbered lines a second for ROUND_S seconds (in bursts of 100 every 10 ms).
CHATTY = (
    "import sys, time\n"
    f"end = time.monotonic() + {ROUND_S}\n"
    "i = 0\n"
    "while time.monotonic() < end:\n"
    "    for _ in range(100):\n"
    "        print('line', i)\n"
    "        i += 1\n"
    "    sys.stdout.flush()\n"
    f"    time.sleep(100 / {CHATTY_RATE})\n"
)


def _round(client: httpx.Client, command: list[str]) -> tuple[list[float], dict]:
    job = client.post(
        "/api/jobs", json={"name": "bench", "type": "processing", "parameters": {"command": command}}
    )
    job_id = job.json()["id"]
    wait_until(lambda: client.get(f"/api/jobs/{job_id}").json()["status"] == "running", timeout=60)
    latencies = []
    while True:
        started = time.perf_counter()
        answer = client.get(f"/api/jobs/{job_id}").json()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer["status"] not in ("dispatched", "running"):
            return latencies, answer


def _stored(client: httpx.Client, job_id: int) -> tuple[int, int]:
    """stdout lines stored and the distinct write times (one per batch the dispatcher wrote)."""
    lines, since, times = 0, 0, set()
    while True:
        page = client.get(f"/api/jobs/{job_id}/logs", params={"since": since, "limit": 5000}).json()
        for item in page["items"]:
            if item["stream"] == "stdout":
                lines += 1
                times.add(item["at"])
        if not page["items"]:
            return lines, len(times)
        since = page["next_since"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        limits = {"DISPYCLUSTER_JOB_OUTPUT_LIMIT": LIMIT, "DISPYCLUSTER_JOB_LOG_LIMIT": LIMIT}
        with dispynode(tmp, "node") as node_port, service(tmp, "web", node_port, limits) as base:
            client = httpx.Client(base_url=base, timeout=60)
            quiet: list[float] = []
            chatty: list[float] = []
            for _ in range(ROUNDS):
                silent = ["sh", "-c", 'python3 -c "$0" > /dev/null', CHATTY]
                quiet += _round(client, silent)[0]
                latencies, job = _round(client, ["python3", "-c", CHATTY])
                chatty += latencies
                lines, batches = _stored(client, job["id"])
                print(f"job {job['id']}: {job['status']}, {lines} stdout lines stored in {batches} writes")
            client.close()
    q50, c50 = statistics.median(quiet), statistics.median(chatty)
    q95, c95 = (statistics.quantiles(values, n=20)[18] for values in (quiet, chatty))
    for label, p50, p95, count in (("silent", q50, q95, len(quiet)), ("sent", c50, c95, len(chatty))):
        print(f"GET /api/jobs/{{id}}, output {label}: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({count} requests)")
    print(f"ratio p50 {c50 / q50:.2f}x (goal <= 1.5x), p95 {c95 / q95:.2f}x")


if __name__ == "__main__":
    main()
