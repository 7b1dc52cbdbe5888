"""Dashboard queries with and without the recording rules, on Debian's Prometheus.

Two hours of 15-second samples for 40 four-CPU nodes are backfilled into a fresh TSDB, the recording
rules are backfilled over the same range (`promtool tsdb create-blocks-from rules`), then the overview's
CPU and memory panels are fetched as a 2-hour `query_range` both ways: the raw signal expression
(baseline) and the recorded series the dashboard actually plots.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import yaml

from alerts.recording import RECORDING_RULES, SIGNAL_RECORDS
from alerts.signals import SIGNALS
from tests.support.processes import free_port, running

NODES = 40
CPUS = 4
MODES = {"idle": 0.55, "iowait": 0.05, "user": 0.3, "system": 0.07, "nice": 0.0, "irq": 0.01, "softirq": 0.02}
STEP = 15
HOURS = 2
RUNS = 15
PANELS = {
    "CPU busy per node": ("cpu_percent", SIGNAL_RECORDS["cpu_percent"]),
    "Memory used per node": ("memory_percent", SIGNAL_RECORDS["memory_percent"]),
    "Cluster CPU busy": (None, "job:node_cpu_busy:percent"),
}


def _openmetrics(path: Path, start: int, end: int) -> None:
    """Exporter-shaped samples, one family at a time as OpenMetrics requires."""
    times = range(start, end, STEP)
    with path.open("w") as out:
        out.write("# TYPE node_cpu_seconds counter\n")
        for node in range(NODES):
            for cpu in range(CPUS):
                for mode, share in MODES.items():
                    labels = f'job="node",instance="n{node}:9100",cpu="{cpu}",mode="{mode}"'
                    # A little per-node skew so series differ.
                    rate = share * (1 + node / 200)
                    out.writelines(
                        f"node_cpu_seconds_total{{{labels}}} {(t - start) * rate:.3f} {t}\n" for t in times
                    )
        for name, value in (("MemTotal", 4e9), ("MemAvailable", 2.5e9)):
            out.write(f"# TYPE node_memory_{name}_bytes gauge\n")
            for node in range(NODES):
                labels = f'job="node",instance="n{node}:9100"'
                out.writelines(
                    f"node_memory_{name}_bytes{{{labels}}} {value - node * 1e7} {t}\n" for t in times
                )
        out.write("# EOF\n")


def _promtool(*args: str) -> None:
    subprocess.run(["promtool", *args], check=True, capture_output=True, timeout=600)


@contextlib.contextmanager
def _prometheus(data: Path, log: Path) -> Iterator[str]:
    port = free_port()
    config = data.parent / "prometheus.yml"
    config.write_text("global: {scrape_interval: 15s}\n")
    url = f"http://127.0.0.1:{port}"
    argv = [
        "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=30d",
    ]
    with running(argv, log_path=log, ready_url=f"{url}/-/ready", timeout=60):
        yield url


def _time_range(url: str, expr: str, start: int, end: int) -> tuple[float, int]:
    """Median seconds of `RUNS` query_range calls, and the number of series returned."""
    params = {"query": expr, "start": start, "end": end, "step": STEP}
    durations, series = [], 0
    with httpx.Client(timeout=60) as client:
        for _ in range(RUNS):
            began = time.perf_counter()
            answer = client.get(f"{url}/api/v1/query_range", params=params).json()
            durations.append(time.perf_counter() - began)
            series = len(answer["data"]["result"])
    return statistics.median(durations), series


def main() -> None:
    if shutil.which("prometheus") is None or shutil.which("promtool") is None:
        print("needs Debian's prometheus and promtool (make system-deps as root)")
        return
    end = int(time.time()) // 3600 * 3600
    start = end - HOURS * 3600
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        _openmetrics(tmp / "samples.om", start, end)
        _promtool("tsdb", "create-blocks-from", "openmetrics", str(tmp / "samples.om"), str(data))
        wanted = [record for _, record in PANELS.values()]
        rules = {
            "groups": [
                {"name": "bench", "rules": [{"record": r, "expr": RECORDING_RULES[r]} for r in wanted]}
            ]
        }
        (tmp / "rules.yml").write_text(yaml.safe_dump(rules))
        with _prometheus(data, tmp / "prometheus-1.log") as url:
            _promtool(
                "tsdb",
                "create-blocks-from",
                "rules",
                f"--start={start}",
                f"--end={end}",
                f"--url={url}",
                f"--output-dir={data}",
                "--eval-interval=15s",
                str(tmp / "rules.yml"),
            )
        # A restart loads the backfilled rule blocks.
        with _prometheus(data, tmp / "prometheus-2.log") as url:
            shape = f"{NODES} nodes x {CPUS} CPUs, {HOURS} h at {STEP} s"
            print(f"{shape}; query_range step {STEP} s, median of {RUNS}")
            print(f"{'panel':<22} {'raw expression':>15} {'recorded':>10} {'ratio':>7}")
            for title, (signal, record) in PANELS.items():
                raw_expr = SIGNALS[signal] if signal else RECORDING_RULES[record]
                raw, raw_series = _time_range(url, raw_expr, start + 300, end)
                recorded, recorded_series = _time_range(url, record, start + 300, end)
                assert raw_series == recorded_series > 0, (title, raw_series, recorded_series)
                print(
                    f"{title:<22} {raw * 1000:>12.1f} ms {recorded * 1000:>7.1f} ms {raw / recorded:>6.1f}x"
                )
