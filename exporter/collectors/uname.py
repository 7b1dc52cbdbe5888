"""`node_uname_info`, which dashboards use to fill their host variables."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_stripped
from exporter.config import Config

# uname(2) field → the /proc/sys/kernel file holding the same string (so fixture trees can stand in).
FILES = {
    "sysname": "ostype",
    "release": "osrelease",
    "version": "version",
    "nodename": "hostname",
    "domainname": "domainname",
    "machine": "arch",
}
# Only these can change while the kernel runs; the others are read once.
CHANGING = ("nodename", "domainname")


class UnameCollector:
    name: ClassVar[str] = "uname"

    def __init__(self, config: Config) -> None:
        self._kernel = config.paths.proc("sys", "kernel")
        self._fixed: dict[str, str | None] | None = None

    def _read(self, labels: Iterable[str]) -> dict[str, str | None]:
        return {label: read_stripped(f"{self._kernel}/{FILES[label]}") for label in labels}

    def collect(self) -> list[Metric]:
        if self._fixed is None or None in self._fixed.values():
            self._fixed = self._read(label for label in FILES if label not in CHANGING)
            if self._fixed["machine"] is None:
                # /proc/sys/kernel/arch only exists on recent kernels.
                self._fixed["machine"] = os.uname().machine
        labels = {**self._fixed, **self._read(CHANGING)}
        labels = {label: labels[label] for label in FILES}
        missing = sorted(label for label, value in labels.items() if value is None)
        if missing:
            raise FileNotFoundError(f"no uname data for {', '.join(missing)} under {self._kernel}")
        info = gauge(
            "node_uname_info",
            "Labeled system information as provided by the uname system call.",
            list(labels),
        )
        info.add_metric([str(v) for v in labels.values()], 1.0)
        return [info]
