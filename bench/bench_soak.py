"""Soak: mixed load on a real service for a while; its RSS, open fds and database must stay flat.

Load: 1 job/s (`processing ["true"]` on a local dispynode), 50 simulated exporters (replay servers
answering a recorded page) scraped every 2 s, several WebSocket clients on `/ws`, and the overview read
twice a second. Retention is shortened (minutes, not days) so a short run reaches its steady state.
Baseline, same run: the figures after the warm-up; the growth from there to the end is printed.

`python -m bench.bench_soak --minutes 30` (`python -m bench soak` runs the default 30 minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import yaml
from websockets.sync.client import connect

from bench.bench_collect import _free_port, _stop, _wait, record_payload, replay_servers

EXPORTERS = 50
WS_CLIENTS = 4
SAMPLE_SECONDS = 10.0
WARMUP_FRACTION = 0.2
SECRET = "soak-secret"


@dataclass
class Sample:
    elapsed: float
    rss_mb: float
    fds: int
    db_mb: float
    jobs: int


def _db_size(data_dir: Path) -> float:
    return sum(f.stat().st_size for f in data_dir.glob("dispycluster.db*")) / 1e6


@contextlib.contextmanager
def _process(argv: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        _stop(proc)


class Load:
    """The client side: job submissions, WebSocket readers, overview reads; counts what it saw."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.counts = {"jobs": 0, "job_errors": 0, "ws_messages": 0, "overview": 0, "overview_errors": 0}
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._jobs), threading.Thread(target=self._overview)]
        self.threads += [threading.Thread(target=self._websocket) for _ in range(WS_CLIENTS)]

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def _jobs(self) -> None:
        body = {"name": "soak", "type": "processing", "parameters": {"command": ["true"]}}
        with httpx.Client(base_url=self.url, timeout=10, trust_env=False) as client:
            while not self.stop.wait(1.0):
                try:
                    ok = client.post("/api/jobs", json=body).status_code == 201
                except httpx.HTTPError:
                    ok = False
                self._count("jobs" if ok else "job_errors")

    def _overview(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10, trust_env=False) as client:
            while not self.stop.wait(0.5):
                try:
                    ok = client.get("/api/cluster/overview").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self._count("overview" if ok else "overview_errors")

    def _websocket(self) -> None:
        ws_url = self.url.replace("http://", "ws://") + "/ws"
        with connect(ws_url, open_timeout=10) as socket:
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    json.loads(socket.recv(timeout=1.0))
                    self._count("ws_messages")

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _growth(first: float, last: float) -> str:
    return f"{(last - first) / first * 100:+.1f} %" if first else "n/a"


def run(minutes: float) -> None:
    payload = record_payload()
    with (
        tempfile.TemporaryDirectory() as tmp,
        replay_servers(EXPORTERS, payload) as exporters,
    ):
        tmp_path = Path(tmp)
        data_dir = tmp_path / "data"
        node_port = _free_port()
        node_argv = [
            sys.executable, str(Path(sys.executable).with_name("dispynode.py")), "-i", "127.0.0.1",
            "-p", str(node_port - 1), "--daemon", "--clean", "-s", SECRET,
            "--dest_path_prefix", str(tmp_path / "node"),
        ]  # fmt: skip
        nodes = [
            {"name": f"sim{i:02d}", "address": "127.0.0.1", "exporter": target, "dispy_port": node_port}
            for i, target in enumerate(exporters)
        ]
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"nodes": nodes}))
        port = _free_port()
        env = {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DISPYCLUSTER_DATA_DIR": str(data_dir),
            "DISPYCLUSTER_INVENTORY": str(inventory),
            "DISPYCLUSTER_COLLECT_INTERVAL": "2",
            "DISPYCLUSTER_COLLECT_TIMEOUT": "1",
            "DISPYCLUSTER_RETENTION_DAYS": "0.002",  # about 3 minutes
            "DISPYCLUSTER_RAW_RETENTION_HOURS": "0.01",  # 36 s raw, then 10 s buckets
            "DISPYCLUSTER_DOWNSAMPLE_SECONDS": "10",
            "DISPYCLUSTER_DISPY_SECRET": SECRET,
            "DISPYCLUSTER_DISPY_PORT": str(_free_port()),
        }
        url = f"http://127.0.0.1:{port}"
        with (
            _process(node_argv, tmp_path / "node.log", env={}),
            _process([sys.executable, "-m", "webapi.cli", "web"], tmp_path / "web.log", env) as web,
        ):
            _wait(f"{url}/api/health", timeout=60)
            service = psutil.Process(web.pid)
            samples: list[Sample] = []
            started = time.monotonic()
            with Load(url) as load:
                while (elapsed := time.monotonic() - started) < minutes * 60:
                    samples.append(
                        Sample(
                            elapsed,
                            service.memory_info().rss / 1e6,
                            service.num_fds(),
                            _db_size(data_dir),
                            load.counts["jobs"],
                        )
                    )
                    time.sleep(SAMPLE_SECONDS)
            counts = dict(load.counts)
            with httpx.Client(base_url=url, timeout=10, trust_env=False) as client:
                by_status = client.get("/api/cluster/overview").json().get("jobs")
    _report(minutes, samples, counts, by_status)


def _report(minutes: float, samples: list[Sample], counts: dict[str, int], jobs: object) -> None:
    print(f"soak: {minutes:g} min, {EXPORTERS} exporters every 2 s, {WS_CLIENTS} WebSocket clients, 1 job/s")
    print(f"{'t (s)':>7} {'RSS MB':>8} {'fds':>5} {'DB MB':>7} {'jobs':>6}")
    for sample in samples:
        print(
            f"{sample.elapsed:7.0f} {sample.rss_mb:8.1f} {sample.fds:5d} {sample.db_mb:7.2f} {sample.jobs:6d}"
        )
    base = next(s for s in samples if s.elapsed >= samples[-1].elapsed * WARMUP_FRACTION)
    last = samples[-1]
    print(f"baseline = sample at {base.elapsed:.0f} s (after warm-up); end = {last.elapsed:.0f} s")
    print(f"RSS growth {_growth(base.rss_mb, last.rss_mb)} ({base.rss_mb:.1f} -> {last.rss_mb:.1f} MB)")
    print(f"fd growth  {_growth(base.fds, last.fds)} ({base.fds} -> {last.fds})")
    print(f"DB growth  {_growth(base.db_mb, last.db_mb)} ({base.db_mb:.2f} -> {last.db_mb:.2f} MB)")
    print(f"load: {counts}; jobs by state at the end: {jobs}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    args, _rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    run(args.minutes)


if __name__ == "__main__":
    main()
