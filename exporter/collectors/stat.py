"""Boot time, context switches, forks, interrupts and process states from /proc/stat."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, gauge, read_text
from exporter.config import Config

# /proc/stat key → (metric, HELP, is a counter)
FIELDS = {
    "intr": ("node_intr_total", "Total number of interrupts serviced.", True),
    "ctxt": ("node_context_switches_total", "Total number of context switches.", True),
    "processes": ("node_forks_total", "Total number of forks.", True),
    "btime": ("node_boot_time_seconds", "Node boot time, in unixtime.", False),
    "procs_running": ("node_procs_running", "Number of processes in runnable state.", False),
    "procs_blocked": (
        "node_procs_blocked",
        "Number of processes blocked waiting for I/O to complete.",
        False,
    ),
}


class StatCollector:
    name: ClassVar[str] = "stat"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("stat")

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        seen: set[str] = set()
        for line in read_text(self._path).splitlines():
            key, _, rest = line.partition(" ")
            field = FIELDS.get(key)
            if field is None:
                continue
            name, documentation, is_counter = field
            family = (counter if is_counter else gauge)(name, documentation)
            # `intr` is followed by per-interrupt counts; its first number is the total.
            family.add_metric([], float(rest.split()[0]))
            families.append(family)
            seen.add(key)
        # Every Linux kernel writes all of them: a file without them is not /proc/stat.
        missing = sorted(FIELDS.keys() - seen)
        if missing:
            raise ValueError(f"{self._path} has no {', '.join(missing)}")
        return families
