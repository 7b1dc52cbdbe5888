"""Every /proc/meminfo field as `node_memory_<Field>[_bytes]`, named as node_exporter names them."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config


def parse_meminfo(text: str) -> dict[str, float]:
    """`Active(anon):  12 kB` → `Active_anon_bytes`: 12288.0; unit-less counts keep their bare name."""
    fields: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, rest = line.partition(":")
        parts = rest.split()
        if not sep or not parts or len(parts) > 2:
            raise ValueError(f"invalid line in meminfo: {line!r}")
        name = key.replace("(", "_").replace(")", "")
        value = float(parts[0])
        if len(parts) > 1 and parts[1] == "kB":
            name += "_bytes"
            value *= 1024
        fields[name] = value
    if not fields:
        raise ValueError("meminfo is empty")
    return fields


class MeminfoCollector:
    name: ClassVar[str] = "meminfo"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("meminfo")

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        for name, value in parse_meminfo(read_text(self._path)).items():
            family = gauge(f"node_memory_{name}", f"Memory information field {name}.")
            family.add_metric([], value)
            families.append(family)
        return families
