"""/proc/vmstat fields as `node_vmstat_<field>` (untyped, as node_exporter has them), filtered by name."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import read_text, untyped
from exporter.config import Config


def parse_vmstat(text: str) -> dict[str, float]:
    """`pgfault 123` lines; any other shape is an error, as node_exporter treats it."""
    fields: dict[str, float] = {}
    for line in text.splitlines():
        name, value = line.split()
        fields[name] = float(value)
    if not fields:
        raise ValueError("vmstat is empty")
    return fields


class VmstatCollector:
    name: ClassVar[str] = "vmstat"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("vmstat")
        self._fields = config.vmstat_fields

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        for field, value in parse_vmstat(read_text(self._path)).items():
            if self._fields is not None and self._fields.search(field) is None:
                continue
            family = untyped(f"node_vmstat_{field}", f"/proc/vmstat information field {field}.")
            family.add_metric([], value)
            families.append(family)
        return families
