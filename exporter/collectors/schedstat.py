"""`node_schedstat_*` per-CPU scheduler statistics from /proc/schedstat (needs CONFIG_SCHED_INFO)."""

from __future__ import annotations

import re
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, read_parsed
from exporter.config import Config

# `cpuN` and nine numbers; the last three are running ns, waiting ns and timeslices (schedstat version 15).
CPU_LINE = re.compile(r"^cpu(\d+) (?:\d+ ){6}(\d+) (\d+) (\d+)", re.MULTILINE)
NS_PER_SECOND = 1e9


def parse_schedstat(text: str) -> dict[str, tuple[float, float, float]]:
    """{cpu: (running seconds, waiting seconds, timeslices)}; domain and version lines are skipped."""
    cpus = {
        cpu: (int(running) / NS_PER_SECOND, int(waiting) / NS_PER_SECOND, float(timeslices))
        for cpu, running, waiting, timeslices in CPU_LINE.findall(text)
    }
    if not cpus:
        raise ValueError("no `cpuN` line with nine numbers in schedstat")
    return cpus


class SchedstatCollector:
    name: ClassVar[str] = "schedstat"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("schedstat")

    def collect(self) -> list[Metric]:
        cpus = read_parsed(self._path, parse_schedstat)
        running = counter(
            "node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.", ["cpu"]
        )
        waiting = counter(
            "node_schedstat_waiting_seconds_total",
            "Number of seconds spent by processing waiting for this CPU.",
            ["cpu"],
        )
        timeslices = counter(
            "node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", ["cpu"]
        )
        for cpu, values in cpus.items():
            for family, value in zip((running, waiting, timeslices), values, strict=True):
                family.add_metric([cpu], value)
        return [running, waiting, timeslices]
