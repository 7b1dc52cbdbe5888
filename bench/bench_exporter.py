"""dispycluster-exporter against Debian's node_exporter on the same collectors (goal: p50 ratio at most 1.0).

Both run on loopback with the same filters and are scraped alternately, as Prometheus scrapes them (its
Accept header, gzip, one keep-alive connection each). Per target: p50/p99 latency, CPU seconds per scrape
(utime + stime from /proc/<pid>/stat before and after) and resident memory (VmRSS, VmHWM).
Selections, each on both exporters: the twelve collectors of issue 2 that both have (not netclass), then
those with netclass (node_exporter's exports many more link properties than ours), then the twelve with
the five the node-mixin alerts added (timex, vmstat, filefd, pressure, entropy), then issue 13's /proc
collectors, and processes with interrupts. Every collector off by default (processes, interrupts, systemd)
is turned on in both, with a small textfile directory. Then each one's whole page with everything it has
turned on: the RSS goal (at most 30 MB) is read after it. Last, a second pair started with no flag at
all, each with its defaults.
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
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen
from urllib.parse import urlencode

from exporter.collectors import COLLECTORS as ALL_COLLECTORS
from exporter.collectors import DEFAULT_ENABLED
from tests.support.processes import free_port, running

SCRAPES = 300
WARMUP = 20
COLLECTORS = ["cpu", "loadavg", "meminfo", "filesystem", "diskstats", "netdev", "hwmon", "thermal_zone"]
COLLECTORS += ["stat", "time", "uname", "os"]
MIXIN_COLLECTORS = ["timex", "vmstat", "filefd", "pressure", "entropy"]
# Issue 13's /proc collectors: on by default, then two off by default.
PROC_COLLECTORS = ["netstat", "sockstat", "softnet", "schedstat", "conntrack", "arp"]
PROCESSES = ["processes", "interrupts"]
# Turned on in both exporters (node_exporter has every one of them): everything is on in ours.
OFF_BY_DEFAULT = sorted(set(ALL_COLLECTORS) - DEFAULT_ENABLED)
SELECTIONS = (
    ("12 collectors", COLLECTORS),
    ("12 collectors + netclass", [*COLLECTORS, "netclass"]),
    ("17 collectors (the 12 + timex, vmstat, filefd, pressure, entropy)", [*COLLECTORS, *MIXIN_COLLECTORS]),
    ("/proc collectors (netstat, sockstat, softnet, schedstat, conntrack, arp)", PROC_COLLECTORS),
    ("processes and interrupts (off by default)", PROCESSES),
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
    def __init__(self, name: str, port: int, pid: int, collectors: list[str] | None) -> None:
        """`collectors` None: the whole page, as the exporter was started."""
        self.name, self.pid = name, pid
        self.path = "/metrics"
        if collectors is not None:
            self.path += "?" + urlencode([("collect[]", c) for c in collectors])
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


def write_textfiles(directory: Path) -> None:
    """A small textfile directory, as a node with a few cron jobs has."""
    directory.mkdir()
    for job in ("backup", "apt", "smart"):
        lines = [f"# HELP cron_{job}_ok Whether the last {job} run succeeded.", f"# TYPE cron_{job}_ok gauge"]
        lines += [f'cron_{job}_ok{{step="{step}"}} 1' for step in range(5)]
        (directory / f"{job}.prom").write_text("\n".join(lines) + "\n")


def main() -> None:
    node_exporter = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if node_exporter is None:
        raise SystemExit("prometheus-node-exporter is not installed (make bench installs it as root)")
    exporter = str(Path(sys.executable).with_name("dispycluster-exporter"))
    lines = [
        f"Machine: {machine()}; {SCRAPES} interleaved scrapes per target after {WARMUP} warm-up rounds;"
        f" load average before: {load_average()}.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        textfiles = Path(tmp) / "textfiles"
        write_textfiles(textfiles)
        everything = [*FILTERS, f"--collector.textfile.directory={textfiles}"]
        ports: dict[str, int] = {}

        def start(binary: str, name: str, flags: list[str]) -> AbstractContextManager[Popen[bytes]]:
            port = ports[name] = free_port()
            argv = [binary, f"--web.listen-address=127.0.0.1:{port}", *flags]
            return running(argv, log_path=Path(tmp) / f"{name}.log", ready_url=f"http://127.0.0.1:{port}/")

        with (
            start(exporter, "ours", everything) as ours_proc,
            start(node_exporter, "theirs", everything) as theirs_proc,
            start(exporter, "ours, defaults", []) as ours_defaults,
            start(node_exporter, "theirs, defaults", []) as theirs_defaults,
        ):
            runs = [
                *((label, ours_proc, theirs_proc, collectors) for label, collectors in SELECTIONS),
                ("whole page, everything turned on (every collector of ours)", ours_proc, theirs_proc, None),
                ("whole page, each with its defaults (no flag)", ours_defaults, theirs_defaults, None),
            ]
            for label, ours_process, theirs_process, collectors in runs:
                ours_key = "ours, defaults" if ours_process is ours_defaults else "ours"
                theirs_key = "theirs, defaults" if theirs_process is theirs_defaults else "theirs"
                ours = Target("dispycluster-exporter", ports[ours_key], ours_process.pid, collectors)
                theirs = Target("node_exporter 1.5", ports[theirs_key], theirs_process.pid, collectors)
                measure([ours, theirs])
                lines += report(label, ours, theirs)
    lines.append(f"Load average after: {load_average()}.")
    print("\n".join(lines))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
