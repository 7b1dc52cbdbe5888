"""Watchdog devices from /sys/class/watchdog (`node_watchdog_*`); no class directory means no data."""

from __future__ import annotations

import os
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import NoDataError, gauge, parse_int, read_text
from exporter.config import Config

# sysfs attribute → metric; each exported as a number when the driver provides it.
NUMBERS = [
    ("bootstatus", "node_watchdog_bootstatus"),
    ("fw_version", "node_watchdog_fw_version"),
    ("nowayout", "node_watchdog_nowayout"),
    ("timeleft", "node_watchdog_timeleft_seconds"),
    ("timeout", "node_watchdog_timeout_seconds"),
    ("pretimeout", "node_watchdog_pretimeout_seconds"),
    ("access_cs0", "node_watchdog_access_cs0"),
]
INFO = ["options", "identity", "state", "status", "pretimeout_governor"]


def read_attribute(path: str) -> str | None:
    """An attribute without its newline; None when this driver does not have it. Other errors propagate."""
    try:
        return read_text(path).strip()
    except FileNotFoundError:
        return None


class WatchdogCollector:
    name: ClassVar[str] = "watchdog"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.sys("class", "watchdog")

    def collect(self) -> list[Metric]:
        try:
            devices = sorted(os.listdir(self._dir))
        except (FileNotFoundError, PermissionError) as error:
            raise NoDataError(f"cannot list {self._dir}: {error}") from None
        families = [
            gauge(metric, f"Value of /sys/class/watchdog/<watchdog>/{attribute}", ["name"])
            for attribute, metric in NUMBERS
        ]
        info = gauge("node_watchdog_info", "Info of /sys/class/watchdog/<watchdog>", ["name", *INFO])
        for device in devices:
            base = f"{self._dir}/{device}/"
            for (attribute, _), family in zip(NUMBERS, families, strict=True):
                raw = read_attribute(base + attribute)
                if raw is not None:
                    family.add_metric([device], float(parse_int(raw, base + attribute)))
            info.add_metric([device, *(read_attribute(base + field) or "" for field in INFO)], 1.0)
        return [*families, info]
