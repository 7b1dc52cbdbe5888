"""`node_softnet_*` per-CPU packet processing statistics from /proc/net/softnet_stat."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, gauge, read_parsed
from exporter.config import Config

# Column of /proc/net/softnet_stat (hexadecimal, one line per online CPU) → (metric, HELP, is a counter).
# Older kernels write fewer columns; the backlog length and the CPU id are the newest two.
COLUMNS = {
    0: ("node_softnet_processed_total", "Number of processed packets", True),
    1: ("node_softnet_dropped_total", "Number of dropped packets", True),
    2: ("node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", True),
    8: (
        "node_softnet_cpu_collision_total",
        "Number of collision occur while obtaining device lock while transmitting",
        True,
    ),
    9: ("node_softnet_received_rps_total", "Number of times cpu woken up received_rps", True),
    10: ("node_softnet_flow_limit_count_total", "Number of times flow limit has been reached", True),
    11: ("node_softnet_backlog_len", "Softnet backlog status", False),
}
MIN_COLUMNS = 9
BACKLOG_COLUMN = 11
CPU_COLUMN = 12


def parse_softnet(text: str) -> dict[str, dict[int, float]]:
    """{cpu: {column: value}}; the CPU is the kernel's id where the line has it, else the line's index."""
    cpus: dict[str, dict[int, float]] = {}
    for index, line in enumerate(text.splitlines()):
        values = [int(column, 16) for column in line.split()]
        if len(values) < MIN_COLUMNS:
            raise ValueError(f"line {index + 1} has {len(values)} columns, expected at least {MIN_COLUMNS}")
        row = {column: float(values[column]) for column in COLUMNS if column < len(values)}
        if len(values) > CPU_COLUMN:
            cpu = values[CPU_COLUMN]
        else:
            # The backlog length only counts when the CPU id follows it (a 12-column line is older).
            cpu = index
            row.pop(BACKLOG_COLUMN, None)
        cpus[str(cpu)] = row
    if not cpus:
        raise ValueError("softnet_stat is empty")
    return cpus


class SoftnetCollector:
    name: ClassVar[str] = "softnet"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("net", "softnet_stat")

    def collect(self) -> list[Metric]:
        cpus = read_parsed(self._path, parse_softnet)
        families: list[Metric] = []
        for column, (name, documentation, is_counter) in COLUMNS.items():
            family = (counter if is_counter else gauge)(name, documentation, ["cpu"])
            for cpu, values in cpus.items():
                # node_exporter writes 0 for a column an older kernel lacks; unknown is not 0: left out.
                if column in values:
                    family.add_metric([cpu], values[column])
            families.append(family)
        return families
