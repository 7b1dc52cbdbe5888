"""`node_filefd_allocated` and `node_filefd_maximum` from /proc/sys/fs/file-nr."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config


class FilefdCollector:
    name: ClassVar[str] = "filefd"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("sys", "fs", "file-nr")

    def collect(self) -> list[Metric]:
        # allocated, allocated but unused (always 0 since Linux 2.6), maximum
        fields = read_text(self._path).split()
        if len(fields) != 3:
            raise ValueError(f"{self._path}: expected 3 numbers, got {fields!r}")
        allocated = gauge("node_filefd_allocated", "File descriptor statistics: allocated.")
        allocated.add_metric([], float(fields[0]))
        maximum = gauge("node_filefd_maximum", "File descriptor statistics: maximum.")
        maximum.add_metric([], float(fields[2]))
        return [allocated, maximum]
