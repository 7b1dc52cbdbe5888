"""`node_cpu_seconds_total` and `node_cpu_guest_seconds_total` from /proc/stat, kept monotonic."""

from __future__ import annotations

import logging
import os
import threading
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, read_text
from exporter.config import Config

log = logging.getLogger(__name__)

MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
GUEST_MODES = ("user", "nice")
# An idle counter that drops this much means the CPU went offline and came back (node_exporter's rule).
JUMP_BACK_SECONDS = 3.0
IDLE = MODES.index("idle")


def parse_cpu_lines(text: str, ticks_per_second: float) -> dict[str, list[float]]:
    """Per kernel CPU id: the 8 mode times then guest and guest_nice, in seconds."""
    stats: dict[str, list[float]] = {}
    for line in text.splitlines():
        if not line.startswith("cpu") or line.startswith("cpu "):
            continue
        fields = line.split()
        values = [int(v) / ticks_per_second for v in fields[1:11]]
        values.extend([0.0] * (10 - len(values)))
        stats[fields[0][3:]] = values
    if not stats:
        raise ValueError("no per-CPU lines in /proc/stat")
    return stats


class CpuCollector:
    name: ClassVar[str] = "cpu"

    def __init__(self, config: Config) -> None:
        self._stat_path = config.paths.proc("stat")
        self._guest = config.cpu_guest
        self._ticks = float(os.sysconf("SC_CLK_TCK"))
        self._last: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _monotonic(self, current: dict[str, list[float]]) -> dict[str, list[float]]:
        """Never let a counter go down: keep the previous value, unless the CPU was hot-plugged."""
        with self._lock:
            kept: dict[str, list[float]] = {}
            for cpu, values in current.items():
                previous = self._last.get(cpu)
                if previous is None or previous[IDLE] - values[IDLE] >= JUMP_BACK_SECONDS:
                    if previous is not None:
                        log.debug("CPU %s idle jumped backwards; resetting its counters", cpu)
                    kept[cpu] = values
                else:
                    kept[cpu] = [max(new, old) for new, old in zip(values, previous, strict=True)]
            self._last = kept
            return kept

    def collect(self) -> list[Metric]:
        stats = self._monotonic(parse_cpu_lines(read_text(self._stat_path), self._ticks))
        seconds = counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", ["cpu", "mode"])
        for cpu, values in stats.items():
            for mode, value in zip(MODES, values, strict=False):
                seconds.add_metric([cpu, mode], value)
        if not self._guest:
            return [seconds]
        guest = counter(
            "node_cpu_guest_seconds_total",
            "Seconds the CPUs spent in guests (VMs) for each mode.",
            ["cpu", "mode"],
        )
        for cpu, values in stats.items():
            guest.add_metric([cpu, "user"], values[8])
            guest.add_metric([cpu, "nice"], values[9])
        return [seconds, guest]
