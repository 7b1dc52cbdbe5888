"""dispycluster-exporter against Debian's node_exporter on the same collectors (goal: p50 ratio at most 1.0).

Both run on loopback with the same filters and are scraped alternately, as Prometheus scrapes them (its
Accept header, gzip, one keep-alive connection each). Per target: p50/p99 latency, CPU seconds per scrape
(utime + stime from /proc/<pid>/stat before and after) and resident memory (VmRSS, VmHWM).
Selections, each on both exporters: the twelve collectors of issue 2 that both have (not netclass), then
those with netclass (node_exporter's exports many more link properties than ours), then the twelve with
the five the node-mixin alerts added (timex, vmstat, filefd, pressure, entropy), then issue 13's /proc
collectors, and processes with interrupts (turned on in both).
"""

from __future__ import annotations

import http.client
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.support.processes import free_port, running

SCRAPES = 300
WARMUP = 20
COLLECTORS = ["cpu", "loadavg", "meminfo", "filesystem", "diskstats", "netdev", "hwmon", "thermal_zone"]
COLLECTORS += ["stat", "time", "uname", "os"]
MIXIN_COLLECTORS = ["timex", "vmstat", "filefd", "pressure", "entropy"]
# Issue 13's /proc collectors: on by default, then the two off by default (enabled on both exporters).
PROC_COLLECTORS = ["netstat", "sockstat", "softnet", "schedstat", "conntrack", "arp"]
OFF_BY_DEFAULT = ["processes", "interrupts"]
SELECTIONS = (
    ("12 collectors", COLLECTORS),
    ("12 collectors + netclass", [*COLLECTORS, "netclass"]),
    ("17 collectors (the 12 + timex, vmstat, filefd, pressure, entropy)", [*COLLECTORS, *MIXIN_COLLECTORS]),
    ("/proc collectors (netstat, sockstat, softnet, schedstat, conntrack, arp)", PROC_COLLECTORS),
    ("processes and interrupts (off by default)", OFF_BY_DEFAULT),
)
FILTERS = [
    "--collector.filesystem.mount-points-exclude=^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+)($|/)",
    "--collector.diskstats.device-exclude=^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$",
    "--collector.netdev.device-exclude=^lo$",
    *(f"--collector.{name}" for name in OFF_BY_DEFAULT),
]
PROMETHEUS_HEADERS = {
    "Accept": "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "Accept-Encoding": "gzip",
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {
        line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS", "VmHWM"))
    }


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown"
    )
    return f"{platform.machine()}, {os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


class Target:
    def __init__(self, name: str, port: int, pid: int, collectors: list[str]) -> None:
        self.name, self.pid = name, pid
        self.path = "/metrics?" + urlencode([("collect[]", c) for c in collectors])
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.latencies: list[float] = []
        self.cpu_start = 0.0
        self.cpu_per_scrape = 0.0
        self.size = 0

    def scrape(self) -> float:
        start = time.perf_counter()
        self.connection.request("GET", self.path, headers=PROMETHEUS_HEADERS)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{self.name}: HTTP {response.status}: {body[:200]!r}")
        self.size = len(body)
        return elapsed


def measure(targets: list[Target]) -> None:
    for _ in range(WARMUP):
        for target in targets:
            target.scrape()
    for target in targets:
        target.cpu_start = cpu_seconds(target.pid)
    for index in range(SCRAPES):
        # Alternate who goes first so neither always scrapes right after the other.
        for target in targets if index % 2 == 0 else reversed(targets):
            target.latencies.append(target.scrape())
    for target in targets:
        target.cpu_per_scrape = (cpu_seconds(target.pid) - target.cpu_start) / SCRAPES


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def report(label: str, ours: Target, theirs: Target) -> list[str]:
    rows = [
        f"**{label}**",
        "",
        "| target | p50 | p99 | CPU per scrape | gzip body | RSS (peak) |",
        "|---|---|---|---|---|---|",
    ]
    for target in (ours, theirs):
        mem = memory_kib(target.pid)
        rows.append(
            f"| {target.name} | {statistics.median(target.latencies) * 1000:.2f} ms "
            f"| {percentile(target.latencies, 99) * 1000:.2f} ms | {target.cpu_per_scrape * 1000:.2f} ms "
            f"| {target.size / 1024:.1f} KiB | {mem['VmRSS'] / 1024:.1f} MiB ({mem['VmHWM'] / 1024:.1f}) |"
        )
    p50 = statistics.median(ours.latencies) / statistics.median(theirs.latencies)
    p99 = percentile(ours.latencies, 99) / percentile(theirs.latencies, 99)
    cpu = ours.cpu_per_scrape / theirs.cpu_per_scrape if theirs.cpu_per_scrape else float("nan")
    rss = memory_kib(ours.pid)["VmRSS"] / memory_kib(theirs.pid)["VmRSS"]
    rows.append(f"| ratio ours / node_exporter | {p50:.2f}x | {p99:.2f}x | {cpu:.2f}x | | {rss:.2f}x |")
    return [*rows, ""]


def main() -> None:
    node_exporter = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if node_exporter is None:
        raise SystemExit("prometheus-node-exporter is not installed (make bench installs it as root)")
    exporter = str(Path(sys.executable).with_name("dispycluster-exporter"))
    ours_port, theirs_port = free_port(), free_port()
    lines = [
        f"Machine: {machine()}; {SCRAPES} interleaved scrapes per target after {WARMUP} warm-up rounds.",
        "",
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(
            [exporter, f"--web.listen-address=127.0.0.1:{ours_port}", *FILTERS],
            log_path=Path(tmp) / "ours.log",
            ready_url=f"http://127.0.0.1:{ours_port}/",
        ) as ours_proc,
        running(
            [node_exporter, f"--web.listen-address=127.0.0.1:{theirs_port}", *FILTERS],
            log_path=Path(tmp) / "node_exporter.log",
            ready_url=f"http://127.0.0.1:{theirs_port}/",
        ) as theirs_proc,
    ):
        for label, collectors in SELECTIONS:
            ours = Target("dispycluster-exporter", ours_port, ours_proc.pid, collectors)
            theirs = Target("node_exporter 1.5", theirs_port, theirs_proc.pid, collectors)
            measure([ours, theirs])
            lines += report(label, ours, theirs)
    print("\n".join(lines))
