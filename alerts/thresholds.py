"""The one table of alert thresholds.

The web service evaluates these on the data it collects itself (so an install without Prometheus still
alerts), and the rule generator renders the same rows into Prometheus alerting rules. Each row names the
per-node *signal* it watches; `alerts.signals` maps a signal to its PromQL expression and the web
service maps it to its derived node metrics, so both sides compare the same quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "critical"]
Comparison = Literal[">", "<", "=="]


@dataclass(frozen=True)
class Threshold:
    alert: str
    signal: str
    op: Comparison
    value: float
    for_seconds: int
    severity: Severity
    summary: str
    description: str
    runbook: str

    def breached(self, observed: float) -> bool:
        if self.op == ">":
            return observed > self.value
        if self.op == "<":
            return observed < self.value
        return observed == self.value


THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        alert="NodeDown",
        signal="up",
        op="==",
        value=0,
        for_seconds=120,
        severity="critical",
        summary="Node exporter unreachable.",
        description="The exporter of {node} has not answered a scrape for {for_human}.",
        runbook="Check that the node is powered and on the network, then `systemctl status "
        "dispycluster-exporter` on it.",
    ),
    Threshold(
        alert="NodeCPUHigh",
        signal="cpu_percent",
        op=">",
        value=90,
        for_seconds=900,
        severity="warning",
        summary="CPU usage above 90 %.",
        description="CPU usage on {node} has been above {threshold:g} % for {for_human} (now {value:.1f} %).",
        runbook="Look at the jobs running on the node; lower its dispy CPU count if it is oversubscribed.",
    ),
    Threshold(
        alert="NodeMemoryHigh",
        signal="memory_percent",
        op=">",
        value=90,
        for_seconds=900,
        severity="warning",
        summary="Memory usage above 90 %.",
        description="Memory usage on {node} has been above {threshold:g} % for {for_human} "
        "(now {value:.1f} %).",
        runbook="Find the processes using memory (`ps aux --sort=-rss | head`); jobs may need less data per "
        "chunk.",
    ),
    Threshold(
        alert="NodeDiskAlmostFull",
        signal="disk_percent",
        op=">",
        value=90,
        for_seconds=1800,
        severity="warning",
        summary="Filesystem more than 90 % full.",
        description="The root filesystem of {node} has been above {threshold:g} % used for {for_human} "
        "(now {value:.1f} %).",
        runbook="Free space: old job results, logs (`journalctl --vacuum-size`), dispy's dest_path_prefix.",
    ),
    Threshold(
        alert="NodeDiskAlmostFull",
        signal="disk_percent",
        op=">",
        value=97,
        for_seconds=600,
        severity="critical",
        summary="Filesystem more than 97 % full.",
        description="The root filesystem of {node} has been above {threshold:g} % used for {for_human} "
        "(now {value:.1f} %).",
        runbook="Free space now: a full root filesystem stops dispynode and the exporter's writes.",
    ),
    Threshold(
        alert="NodeTemperatureHigh",
        signal="temperature_celsius",
        op=">",
        value=70,
        for_seconds=300,
        severity="warning",
        summary="Temperature above 70 °C.",
        description="The hottest sensor of {node} has been above {threshold:g} °C for {for_human} "
        "(now {value:.1f} °C); a Raspberry Pi throttles at 80 °C.",
        runbook="Check the fan and airflow; consider fewer dispy CPUs on this node.",
    ),
    Threshold(
        alert="NodeTemperatureCritical",
        signal="temperature_celsius",
        op=">",
        value=80,
        for_seconds=60,
        severity="critical",
        summary="Temperature above 80 °C: the node is throttling.",
        description="The hottest sensor of {node} has been above {threshold:g} °C for {for_human} "
        "(now {value:.1f} °C).",
        runbook="The CPU is throttled; stop jobs on the node until it cools down.",
    ),
    # A Raspberry Pi's firmware flags (1 while the condition holds), from the exporter's rpi collector.
    Threshold(
        alert="NodeUnderVoltage",
        signal="rpi_under_voltage",
        op="==",
        value=1,
        for_seconds=60,
        severity="critical",
        summary="Raspberry Pi under-voltage.",
        description="The firmware of {node} has reported under-voltage for {for_human}: the supply sags"
        " below 4.63 V, so the CPU is slowed down and SD card and USB writes may be corrupted.",
        runbook="Use the official power supply (5.1 V, 3 A for a Pi 4, 5 A for a Pi 5) and a short, thick"
        " cable; power USB disks from a powered hub.",
    ),
    Threshold(
        alert="NodeThrottled",
        signal="rpi_throttled",
        op="==",
        value=1,
        for_seconds=300,
        severity="warning",
        summary="Raspberry Pi CPU throttled.",
        description="The firmware of {node} has been throttling the CPU or capping its frequency for"
        " {for_human}: jobs there run slower than on its peers.",
        runbook="Look at the temperature and under-voltage of the node: add a heatsink or fan, or fix the"
        " power supply.",
    ),
    Threshold(
        alert="NodeUnderVoltageSinceBoot",
        signal="rpi_under_voltage_since_boot",
        op="==",
        value=1,
        for_seconds=60,
        severity="info",
        summary="Raspberry Pi under-voltage since boot.",
        description="The firmware of {node} has seen under-voltage at least once since the node booted,"
        " even if the supply is fine now.",
        runbook="Check the power supply and cable before it gets worse; the flag clears only at reboot.",
    ),
)


def human_duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
