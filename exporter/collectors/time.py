"""System time, time zone offset and clock sources."""

from __future__ import annotations

import os
import time
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_stripped
from exporter.config import Config

CLOCKSOURCE_DIR = "/sys/devices/system/clocksource"


class TimeCollector:
    name: ClassVar[str] = "time"

    def __init__(self, config: Config) -> None:
        self._clocksources = config.paths.sys("devices", "system", "clocksource")

    def collect(self) -> list[Metric]:
        now = time.time()
        seconds = gauge("node_time_seconds", "System time in seconds since epoch (1970).")
        seconds.add_metric([], now)
        local = time.localtime(now)
        offset = gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.", ["time_zone"])
        offset.add_metric([local.tm_zone], float(local.tm_gmtoff))
        available = gauge(
            "node_time_clocksource_available_info",
            f"Available clocksources read from '{CLOCKSOURCE_DIR}'.",
            ["clocksource", "device"],
        )
        current = gauge(
            "node_time_clocksource_current_info",
            f"Current clocksource read from '{CLOCKSOURCE_DIR}'.",
            ["clocksource", "device"],
        )
        families: list[Metric] = [seconds, offset]
        try:
            devices = sorted(n for n in os.listdir(self._clocksources) if n.startswith("clocksource"))
        except FileNotFoundError:
            return families
        for entry in devices:
            device, base = entry.removeprefix("clocksource"), f"{self._clocksources}/{entry}/"
            for name in (read_stripped(base + "available_clocksource") or "").split():
                available.add_metric([name, device], 1.0)
            selected = read_stripped(base + "current_clocksource")
            if selected:
                current.add_metric([selected, device], 1.0)
        families += [available, current]
        return families
