"""Built-in alert evaluation: `alerts.thresholds.THRESHOLDS` applied to the data the collector derives.

A threshold fires for a node once its signal has been breached continuously for `for_seconds`, like a
Prometheus rule with `for:`; an unknown value (no data) interrupts the breach.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from alerts.thresholds import THRESHOLDS, Threshold, human_duration
from webapi.monitoring.collection.state import NodeState, Status

Observations = Mapping[str, Mapping[str, float | None]]


def observe(state: NodeState, status: Status) -> dict[str, float | None]:
    """The signals of one node, by the names the threshold table uses."""
    metrics = state.metrics if status == "online" else None
    return {
        "up": None if status == "unknown" else float(status == "online"),
        "cpu_percent": metrics.cpu_percent if metrics else None,
        "memory_percent": metrics.memory_percent if metrics else None,
        "disk_percent": metrics.disk_percent if metrics else None,
        "temperature_celsius": metrics.temperature_celsius if metrics else None,
        "rpi_under_voltage": _flag(metrics.under_voltage) if metrics else None,
        "rpi_under_voltage_since_boot": _flag(metrics.under_voltage_since_boot) if metrics else None,
        "rpi_throttled": _flag(metrics.throttled) if metrics else None,
    }


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


def fingerprint(threshold: Threshold, node: str) -> str:
    return hashlib.sha256(f"{threshold.alert}|{threshold.severity}|{node}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Breach:
    """A threshold that has held long enough: an alert that fires."""

    threshold: Threshold
    node: str
    value: float
    since: float

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.threshold, self.node)

    @property
    def description(self) -> str:
        return self.threshold.description.format(
            node=self.node,
            threshold=self.threshold.value,
            for_human=human_duration(self.threshold.for_seconds),
            value=self.value,
        )


class Evaluator:
    def __init__(self, thresholds: tuple[Threshold, ...] = THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._since: dict[str, float] = {}

    def resume(self, firing: Mapping[str, float]) -> None:
        """Carry over alerts that were firing before a restart (fingerprint → starts_at)."""
        self._since.update(firing)

    def evaluate(self, now: float, observed: Observations) -> list[Breach]:
        breaches = []
        live: set[str] = set()
        for threshold in self.thresholds:
            for node, signals in observed.items():
                value = signals.get(threshold.signal)
                if value is None or not threshold.breached(value):
                    continue
                key = fingerprint(threshold, node)
                live.add(key)
                since = self._since.setdefault(key, now)
                if now - since >= threshold.for_seconds:
                    breaches.append(Breach(threshold, node, value, since))
        self._since = {key: since for key, since in self._since.items() if key in live}
        return breaches
