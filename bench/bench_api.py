"""`GET /api/cluster/overview` and `GET /api/cluster/nodes` with 100 nodes (goal p50 ≤ 10 ms).

The service runs as in production (`dispycluster web`, one uvicorn process) with 100 inventory nodes whose
exporters are replay servers, so every node has real derived metrics. Baseline, same run and same client:
the bare `GET /api/health` endpoint. Requests are interleaved so all three see the same load.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_collect import TARGETS, _free_port, _wait, record_payload, replay_servers

REQUESTS = 300
GOAL_MS = 10.0
PATHS = ("/api/health", "/api/cluster/overview", "/api/cluster/nodes")


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if q != 50 else statistics.median(values)


def main() -> None:
    payload = record_payload()
    with replay_servers(TARGETS, payload) as targets, tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {
            **os.environ,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "DISPYCLUSTER_DATA_DIR": str(Path(tmp) / "data"),
            "DISPYCLUSTER_COLLECT_INTERVAL": "15",
        }
        argv = [sys.executable, "-m", "webapi.cli", "web"]
        log = open(Path(tmp) / "web.log", "wb")  # noqa: SIM115 (closed below, after the process)
        proc = subprocess.Popen(argv, env=env, cwd=tmp, stdout=log, stderr=log, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/api/health")
            with httpx.Client(base_url=base, timeout=10, trust_env=False) as client:
                for index, target in enumerate(targets):
                    node = {"name": f"n{index:03d}", "address": "127.0.0.1", "exporter": target}
                    client.post("/api/cluster/nodes", json=node).raise_for_status()
                # Two rounds, as in steady state (the replayed page never changes, so rates stay 0/null).
                for _ in range(2):
                    client.post("/api/monitoring/collect_metrics").raise_for_status()
                nodes = client.get("/api/cluster/nodes").json()
                assert len(nodes) == TARGETS and all(n["status"] == "online" for n in nodes)
                timings: dict[str, list[float]] = {path: [] for path in PATHS}
                for _ in range(20):
                    for path in PATHS:
                        client.get(path)
                for _ in range(REQUESTS):
                    for path in PATHS:
                        started = time.perf_counter()
                        client.get(path).raise_for_status()
                        timings[path].append((time.perf_counter() - started) * 1000)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
            log.close()
    bare = statistics.median(timings["/api/health"])
    print(f"{TARGETS} nodes, {REQUESTS} requests per endpoint, interleaved, one keep-alive client")
    for path in PATHS:
        p50, p90 = statistics.median(timings[path]), _p(timings[path], 90)
        verdict = (
            ""
            if path == "/api/health"
            else f"  goal p50 ≤ {GOAL_MS:.0f} ms: {'met' if p50 <= GOAL_MS else 'NOT met'}"
        )
        print(
            f"{path:24s} p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  "
            f"ratio to /api/health {p50 / bare:5.2f}x{verdict}"
        )


if __name__ == "__main__":
    main()
