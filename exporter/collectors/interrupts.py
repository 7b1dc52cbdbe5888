"""`node_interrupts_total{cpu,type,info,devices}` from /proc/interrupts (off by default, as upstream)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, read_parsed
from exporter.config import Config, ignored


@dataclass(frozen=True)
class Interrupt:
    info: str
    devices: str
    counts: list[float]


def parse_interrupts(text: str) -> dict[str, Interrupt]:
    """{name: interrupt}; the header has one `CPUn` per online CPU, each line a count per CPU.

    Numbered lines are `24:  1  0  IO-APIC  5-edge  ACPI:Ged`: the chip is the info, the rest the devices.
    Named ones are `LOC:  44714  40123  Local timer interrupts`. `ERR`/`MIS` (one total) are skipped.
    """
    lines = text.splitlines()
    if not lines or not lines[0].split():
        raise ValueError("/proc/interrupts has no CPU header")
    cpus = len(lines[0].split())
    interrupts: dict[str, Interrupt] = {}
    for line in lines[1:]:
        # On aarch64 the name can run into the first count (`IPI0:1234`): split on the colon first.
        name, colon, rest = line.partition(":")
        parts = rest.split()
        if not colon or len(parts) < cpus + 1:
            continue
        name = name.strip()
        counts = [float(value) for value in parts[:cpus]]
        if name.isdigit():
            interrupts[name] = Interrupt(parts[cpus], " ".join(parts[cpus + 1 :]), counts)
        else:
            interrupts[name] = Interrupt(" ".join(parts[cpus:]), "", counts)
    return interrupts


class InterruptsCollector:
    name: ClassVar[str] = "interrupts"
    default_enabled: ClassVar[bool] = False

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("interrupts")
        self._include = config.interrupts_name_include
        self._exclude = config.interrupts_name_exclude
        self._zeros = config.interrupts_include_zeros

    def collect(self) -> list[Metric]:
        family = counter("node_interrupts_total", "Interrupt details.", ["cpu", "type", "info", "devices"])
        for name, interrupt in read_parsed(self._path, parse_interrupts).items():
            if ignored(f"{name};{interrupt.info};{interrupt.devices}", self._exclude, self._include):
                continue
            for cpu, count in enumerate(interrupt.counts):
                if count or self._zeros:
                    family.add_metric([str(cpu), name, interrupt.info, interrupt.devices], count)
        return [family]
