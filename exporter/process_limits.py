"""`process_virtual_memory_max_bytes`: the exporter's own address-space limit, as Go's process collector
exports it beside the `process_*` metrics prometheus_client already gives (Node Exporter Full charts it).

Read from /proc/self/limits (the exporter's process, not --path.procfs); "unlimited" is 2^64 - 1, the
value Go's collector reports for RLIM_INFINITY.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from exporter.collectors.base import read_text, single_gauge

LIMITS = "/proc/self/limits"
ROW = "Max address space"
UNLIMITED = float(2**64 - 1)


def parse_address_space_limit(text: str) -> float:
    """The soft limit of the `Max address space` row, in bytes."""
    for line in text.splitlines():
        if line.startswith(ROW):
            soft = line[len(ROW) :].split()[0]
            return UNLIMITED if soft == "unlimited" else float(int(soft))
    raise ValueError(f"{LIMITS} has no {ROW!r} row")


class ProcessLimitsCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        limit = parse_address_space_limit(read_text(LIMITS))
        yield single_gauge(
            "process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", limit
        )
