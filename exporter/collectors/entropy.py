"""`node_entropy_available_bits` and `node_entropy_pool_size_bits` from /proc/sys/kernel/random."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config


class EntropyCollector:
    name: ClassVar[str] = "entropy"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.proc("sys", "kernel", "random")

    def collect(self) -> list[Metric]:
        available = gauge("node_entropy_available_bits", "Bits of available entropy.")
        available.add_metric([], float(read_text(self._dir / "entropy_avail")))
        pool = gauge("node_entropy_pool_size_bits", "Bits of entropy pool.")
        pool.add_metric([], float(read_text(self._dir / "poolsize")))
        return [available, pool]
