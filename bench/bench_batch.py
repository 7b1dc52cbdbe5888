"""Batches: accepting 10,000 jobs in one request against single POSTs, and 1,000 trivial jobs submitted
as one batch run end to end against raw dispy. Everything on loopback, in one run, on this machine.

1. POST /api/jobs/batch of 10,000 jobs (no node, so they queue) against POST /api/jobs of one job from
   8 keep-alive client threads for 2 s, in alternating rounds on one service. Goals: batch p50 <= 1 s,
   and a job rate >= 10x the single POSTs'. The service's CPU time per batch (its
   `process_cpu_seconds_total`) is printed too: on a shared host it says what the wall time would be
   with the CPU to itself.
2. 1,000 trivial jobs (`processing` of `true`) as one batch until the last one ended (its `finished_at`),
   against raw dispy (the same function through a JobCluster) with its own dispynode, in alternating
   rounds as `bench jobs` does, after one uncounted round each. Goal: throughput >= 0.95x raw dispy.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.bench_jobs import (
    TRIVIAL,
    _succeeded,
    _verdict,
    api_time,
    load,
    raw_throughput,
    service,
    side_by_side,
)
from tests.support.processes import wait_until

BATCH = 10_000
ACCEPT_ROUNDS = 5
E2E_JOBS = 1000
E2E_ROUNDS = 5
END_POLL_S = 0.5


def _jobs(count: int) -> list[dict[str, object]]:
    return [{"name": f"bench {i}", "type": "processing", "parameters": TRIVIAL} for i in range(count)]


def post_batch(client: httpx.Client, jobs: list[dict[str, object]]) -> tuple[float, list[int]]:
    """Seconds from sending the batch to its 201 (the body encoded beforehand, as a client would), and
    the new jobs' ids."""
    body = httpx.Request("POST", "/", json={"jobs": jobs}).content
    started = time.perf_counter()
    response = client.post("/api/jobs/batch", content=body, headers={"Content-Type": "application/json"})
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"POST /api/jobs/batch answered {response.status_code}: {response.text[:300]}")
    items = response.json()["items"]
    assert len(items) == len(jobs)
    return elapsed, [item["id"] for item in items]


def service_cpu(client: httpx.Client) -> float:
    """The service process's CPU seconds so far, from its own /metrics."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("process_cpu_seconds_total "):
            return float(line.split()[1])
    raise RuntimeError("no process_cpu_seconds_total in /metrics")


def acceptance(tmp: Path) -> None:
    jobs = _jobs(BATCH)
    single = {"name": "b", "type": "processing", "parameters": TRIVIAL}
    batch_times, batch_cpu, single_rates = [], [], []
    with (
        service(tmp, "accept", None) as base,
        httpx.Client(base_url=base, timeout=60, trust_env=False) as client,
    ):
        post_batch(client, jobs[:100])  # warm-up
        for _ in range(ACCEPT_ROUNDS):
            before = service_cpu(client)
            batch_times.append(post_batch(client, jobs)[0])
            batch_cpu.append(service_cpu(client) - before)
            single_rates.append(load(base, "POST", "/api/jobs", single))
    p50 = statistics.median(batch_times)
    batch_rate, single_rate = BATCH / p50, statistics.mean(single_rates)
    print(
        f"POST /api/jobs/batch of {BATCH:,} jobs, {ACCEPT_ROUNDS} rounds alternating with single POSTs "
        f"({os.cpu_count()} CPUs): " + " / ".join(f"{t:.2f}" for t in batch_times) + " s\n"
        f"  p50 {p50:.2f} s (goal <= 1 s: {_verdict(p50 <= 1)}), {batch_rate:,.0f} jobs/s; single POSTs "
        f"{single_rate:,.0f} jobs/s ({min(single_rates):.0f}-{max(single_rates):.0f}); ratio "
        f"{batch_rate / single_rate:.1f} (goal >= 10: {_verdict(batch_rate / single_rate >= 10)})\n"
        f"  service CPU per batch: " + " / ".join(f"{t:.2f}" for t in batch_cpu) + f" s, p50 "
        f"{statistics.median(batch_cpu):.2f} s"
    )


def _ended(client: httpx.Client, job_id: int) -> bool:
    return client.get(f"/api/jobs/{job_id}").json()["status"] not in ("queued", "dispatched", "running")


def _last_end(client: httpx.Client, ids: list[int]) -> datetime:
    """The latest `finished_at` among the jobs `ids` (the newest jobs: their pages come first)."""
    wanted, ends, offset = set(ids), [], 0
    while wanted:
        page = client.get("/api/jobs", params={"limit": 500, "offset": offset, "sort": "id"}).json()["items"]
        assert page, f"{len(wanted)} batch jobs not found"
        for job in page:
            if job["id"] in wanted:
                wanted.discard(job["id"])
                ends.append(api_time(job["finished_at"]))
        offset += len(page)
    return max(ends)


def batch_throughput(client: httpx.Client) -> float:
    """Jobs/s for E2E_JOBS jobs sent as one batch, from sending it to the end of its last job as the
    service recorded it (`finished_at`, set when the dispatcher applies the end dispy reported).

    Raw dispy's client waits on an event; the end is found here by polling every END_POLL_S (the CLI's
    `--wait` rate), and the time comes from the jobs themselves, so neither the poll's delay nor a faster
    poll's load on the service (~3.5 ms of service CPU per request: 10 a second was ~2 % of the CPU a
    run has) enters the figure. Both clocks are this host's wall clock."""
    before = _succeeded(client)
    sent = datetime.now(UTC)
    _, ids = post_batch(client, _jobs(E2E_JOBS))
    wait_until(lambda: _ended(client, ids[-1]), timeout=300, interval=END_POLL_S)
    wait_until(lambda: _succeeded(client) >= before + E2E_JOBS, timeout=300, interval=END_POLL_S)
    elapsed = (_last_end(client, ids) - sent).total_seconds()
    failed = client.get("/api/jobs", params={"status": "failed", "limit": 1}).json()["total"]
    assert failed == 0, f"{failed} bench jobs failed"
    return E2E_JOBS / elapsed


def end_to_end(tmp: Path) -> None:
    with side_by_side(tmp) as (cluster, args, _base, client):
        # One round each, not counted: the first round of either side often ran 10-20 % slower than
        # the next ones (a fresh node, and a fresh service's first big batch).
        warm = raw_throughput(cluster, args), batch_throughput(client)
        raw_rates, api_rates = [], []
        for _ in range(E2E_ROUNDS):
            raw_rates.append(raw_throughput(cluster, args))
            api_rates.append(batch_throughput(client))
    print(f"{E2E_JOBS} trivial jobs as one batch per round, {E2E_ROUNDS} rounds, 1 local dispynode each:")
    print(f"  warm-up round (not counted): raw dispy {warm[0]:6.1f} jobs/s, batch {warm[1]:6.1f} jobs/s")
    for index, (raw, api) in enumerate(zip(raw_rates, api_rates, strict=True), 1):
        print(f"  round {index}: raw dispy {raw:6.1f} jobs/s, batch {api:6.1f} jobs/s, ratio {api / raw:.2f}")
    ratio = sum(1 / raw for raw in raw_rates) / sum(1 / api for api in api_rates)
    print(f"  throughput ratio over the rounds {ratio:.2f} (goal >= 0.95: {_verdict(ratio >= 0.95)})")


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        try:
            acceptance(tmp)
            end_to_end(tmp)
        except Exception:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-1500:]}", file=sys.stderr)
            raise
