"""`node_load1`, `node_load5`, `node_load15` from /proc/loadavg."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config


class LoadavgCollector:
    name: ClassVar[str] = "loadavg"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("loadavg")

    def collect(self) -> list[Metric]:
        fields = read_text(self._path).split()
        if len(fields) < 3:
            raise ValueError(f"{self._path}: expected three load averages, got {fields!r}")
        families: list[Metric] = []
        for minutes, value in zip(("1", "5", "15"), fields, strict=False):
            family = gauge(f"node_load{minutes}", f"{minutes}m load average.")
            family.add_metric([], float(value))
            families.append(family)
        return families
