"""CPU frequencies and the scaling governor from /sys/devices/system/cpu/cpuN/cpufreq (`node_cpu_*_hertz`).

sysfs gives kHz; node_exporter exports hertz. Offline CPUs (listed in /sys/devices/system/cpu/offline) and
CPUs without a cpufreq directory are left out; a machine where no CPU has one (a VM) succeeds with no series,
as node_exporter does.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_int, read_stripped, read_text
from exporter.config import Config

CPU_DIR = re.compile(r"^cpu(\d+)$")
# sysfs file → (metric, HELP); all in kHz.
FREQUENCIES = [
    ("cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current CPU thread frequency in hertz."),
    ("cpuinfo_avg_freq", "node_cpu_frequency_avg_hertz", "Average CPU thread frequency in hertz."),
    ("cpuinfo_min_freq", "node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz."),
    ("cpuinfo_max_freq", "node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz."),
    ("scaling_cur_freq", "node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz."),
    (
        "scaling_min_freq",
        "node_cpu_scaling_frequency_min_hertz",
        "Minimum scaled CPU thread frequency in hertz.",
    ),
    (
        "scaling_max_freq",
        "node_cpu_scaling_frequency_max_hertz",
        "Maximum scaled CPU thread frequency in hertz.",
    ),
]


def parse_cpu_list(text: str) -> set[int]:
    """`0-2,5` → {0, 1, 2, 5}, the kernel's CPU list format (empty: none)."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def read_khz(path: str) -> int | None:
    """A frequency file in kHz; None when the driver does not provide it or root only may read it."""
    try:
        return read_int(path)
    except (FileNotFoundError, PermissionError):
        return None


class CpufreqCollector:
    name: ClassVar[str] = "cpufreq"

    def __init__(self, config: Config) -> None:
        # Plain strings: pathlib's joins cost more than the reads on a 4-CPU Pi.
        self._dir = str(config.paths.sys("devices", "system", "cpu"))

    def collect(self) -> list[Metric]:
        offline = parse_cpu_list(read_text(f"{self._dir}/offline"))
        cpus = sorted(int(match[1]) for entry in os.listdir(self._dir) if (match := CPU_DIR.match(entry)))
        families = [gauge(metric, documentation, ["cpu"]) for _, metric, documentation in FREQUENCIES]
        governors = gauge(
            "node_cpu_scaling_governor", "Current enabled CPU frequency governor.", ["cpu", "governor"]
        )
        for cpu in cpus:
            cpufreq = f"{self._dir}/cpu{cpu}/cpufreq"
            if cpu in offline or not os.path.isdir(cpufreq):
                continue
            for (filename, _, _), family in zip(FREQUENCIES, families, strict=True):
                khz = read_khz(f"{cpufreq}/{filename}")
                if khz is not None:
                    family.add_metric([str(cpu)], khz * 1000.0)
            governor = read_stripped(f"{cpufreq}/scaling_governor")
            if governor:
                available = read_stripped(f"{cpufreq}/scaling_available_governors") or ""
                for name in available.split(" "):
                    governors.add_metric([str(cpu), name], 1.0 if name == governor else 0.0)
        return [*families, governors]
