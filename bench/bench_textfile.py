"""What a textfile directory of 100 files x 100 series adds to a scrape (goal: at most 5 ms at p50).

Three exporters side by side, each scraped for the textfile collector only, alternately, as Prometheus
scrapes them: ours reading the directory, ours reading an empty one (the baseline the 5 ms is measured
against), and Debian's node_exporter reading the same directory (for reference). The files do not change
during the run, as between two cron runs; ours parses a file again only when it changes.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

from bench.bench_exporter import (
    SCRAPES,
    WARMUP,
    Target,
    load_average,
    machine,
    measure,
    memory_kib,
    percentile,
)
from tests.support.processes import free_port, running

FILES = 100
SERIES = 100


def write_directory(directory: Path) -> None:
    for file in range(FILES):
        lines = [
            f"# HELP job_{file}_items Items handled by cron job {file}.",
            f"# TYPE job_{file}_items gauge",
        ]
        lines += [
            f'job_{file}_items{{shard="{series}",kind="batch"}} {series * 1.5}' for series in range(SERIES)
        ]
        (directory / f"job_{file}.prom").write_text("\n".join(lines) + "\n")


def row(target: Target) -> str:
    mem = memory_kib(target.pid)
    return (
        f"| {target.name} | {statistics.median(target.latencies) * 1000:.2f} ms "
        f"| {percentile(target.latencies, 99) * 1000:.2f} ms | {target.cpu_per_scrape * 1000:.2f} ms "
        f"| {target.size / 1024:.1f} KiB | {mem['VmRSS'] / 1024:.1f} MiB ({mem['VmHWM'] / 1024:.1f}) |"
    )


def main() -> None:
    node_exporter = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if node_exporter is None:
        raise SystemExit("prometheus-node-exporter is not installed (make bench installs it as root)")
    exporter = str(Path(sys.executable).with_name("dispycluster-exporter"))
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        full, empty = Path(tmp) / "textfiles", Path(tmp) / "empty"
        full.mkdir()
        empty.mkdir()
        write_directory(full)

        def start(binary: str, name: str, directory: Path) -> AbstractContextManager[Popen[bytes]]:
            port = ports[name] = free_port()
            argv = [
                binary,
                f"--web.listen-address=127.0.0.1:{port}",
                f"--collector.textfile.directory={directory}",
            ]
            return running(argv, log_path=Path(tmp) / f"{name}.log", ready_url=f"http://127.0.0.1:{port}/")

        ports: dict[str, int] = {}
        with (
            start(exporter, "full", full) as with_files,
            start(exporter, "empty", empty) as without,
            start(node_exporter, "theirs", full) as theirs_proc,
        ):
            ours = Target(f"ours, {FILES} x {SERIES}", ports["full"], with_files.pid, ["textfile"])
            baseline = Target("ours, empty directory", ports["empty"], without.pid, ["textfile"])
            theirs = Target(
                f"node_exporter 1.5, {FILES} x {SERIES}", ports["theirs"], theirs_proc.pid, ["textfile"]
            )
            measure([ours, baseline, theirs])
            added = (statistics.median(ours.latencies) - statistics.median(baseline.latencies)) * 1000
            ratio = statistics.median(ours.latencies) / statistics.median(theirs.latencies)
            lines = [
                f"Machine: {machine()}; {SCRAPES} interleaved scrapes per target after {WARMUP} warm-ups;"
                f" load average before: {load_before}, after: {load_average()}.",
                "",
                "| target | p50 | p99 | CPU per scrape | gzip body | RSS (peak) |",
                "|---|---|---|---|---|---|",
                row(ours),
                row(baseline),
                row(theirs),
                "",
                f"The directory adds {added:.2f} ms at p50 (goal: at most 5 ms); ours / node_exporter at p50:"
                f" {ratio:.2f}x.",
            ]
    print("\n".join(lines))
