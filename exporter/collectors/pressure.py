"""Pressure stall information from /proc/pressure: time spent waiting (`some`) and stalled (`full`).

A kernel without PSI (older than 4.20, or a Raspberry Pi kernel booted without `psi=1`) has no
/proc/pressure: the collector then reports no data (success 0), as node_exporter does. IRQ pressure
(kernel 6.1 or later, with CONFIG_IRQ_TIME_ACCOUNTING) has only a `full` line; a kernel without
/proc/pressure/irq simply has no `node_pressure_irq_stalled_seconds_total`.
"""

from __future__ import annotations

import errno
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import NoDataError, counter, read_text
from exporter.config import Config

# resource → HELP of its `some` line (waiting) and of its `full` line (stalled).
RESOURCES: dict[str, tuple[str | None, str]] = {
    "cpu": (
        "Total time in seconds that processes have waited for CPU time",
        "Total time in seconds no process could make progress due to CPU congestion",
    ),
    "io": (
        "Total time in seconds that processes have waited due to IO congestion",
        "Total time in seconds no process could make progress due to IO congestion",
    ),
    "memory": (
        "Total time in seconds that processes have waited for memory",
        "Total time in seconds no process could make progress due to memory congestion",
    ),
    # Interrupts stall everything or nothing: no `some` line.
    "irq": (None, "Total time in seconds no process could make progress due to IRQ congestion"),
}
OPTIONAL = {"irq"}


def parse_psi(text: str, required: str = "some") -> dict[str, float]:
    """`some`/`full` → the `total=` field (microseconds) of that line; the `required` line must be there."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        kind, *fields = line.split()
        values = dict(field.split("=", 1) for field in fields)
        totals[kind] = float(values["total"])
    if required not in totals:
        raise ValueError(f"no {required!r} line")
    return totals


class PressureCollector:
    name: ClassVar[str] = "pressure"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.proc("pressure")

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        for resource, (waiting_help, stalled_help) in RESOURCES.items():
            try:
                text = read_text(self._dir / resource)
            except FileNotFoundError:
                if resource in OPTIONAL:
                    continue
                raise
            except OSError as error:
                # Where PSI is built in but switched off, the files can exist and refuse to be read.
                if error.errno == errno.EOPNOTSUPP:
                    raise NoDataError(f"pressure stall information is disabled: {error}") from error
                raise
            totals = parse_psi(text, "some" if waiting_help else "full")
            # Divided twice, as node_exporter does, so that both give the very same float.
            if waiting_help:
                waiting = counter(f"node_pressure_{resource}_waiting_seconds_total", waiting_help)
                waiting.add_metric([], totals["some"] / 1000.0 / 1000.0)
                families.append(waiting)
            # Kernels before 5.13 have no `full` line for cpu.
            if "full" in totals:
                stalled = counter(f"node_pressure_{resource}_stalled_seconds_total", stalled_help)
                stalled.add_metric([], totals["full"] / 1000.0 / 1000.0)
                families.append(stalled)
        return families
