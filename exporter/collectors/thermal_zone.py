"""`node_thermal_zone_temp` and cooling device states from /sys/class/thermal (how a Pi reports its SoC)."""

from __future__ import annotations

import os
import re
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, parse_int, read_stripped
from exporter.config import Config

ZONE = re.compile(r"^thermal_zone(\d+)$")
COOLING_DEVICE = re.compile(r"^cooling_device(\d+)$")


class ThermalZoneCollector:
    name: ClassVar[str] = "thermal_zone"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.sys("class", "thermal")

    def collect(self) -> list[Metric]:
        # Listing the class directory (not globbing it) makes a missing or broken one a failed collector.
        entries = sorted(os.listdir(self._dir))
        temp = gauge("node_thermal_zone_temp", "Zone temperature in Celsius", ["zone", "type"])
        for entry in entries:
            match = ZONE.match(entry)
            if match is None:
                continue
            base = f"{self._dir}/{entry}/"
            if read_stripped(base + "mode") == "disabled":
                continue
            kind = read_stripped(base + "type")
            millidegrees = read_stripped(base + "temp")
            # A zone whose sensor cannot be read right now (EAGAIN, ENODATA) is left out, not zeroed.
            if kind is None or not millidegrees:
                continue
            temp.add_metric([match[1], kind], int(millidegrees) / 1000.0)
        current = gauge(
            "node_cooling_device_cur_state", "Current throttle state of the cooling device", ["name", "type"]
        )
        maximum = gauge(
            "node_cooling_device_max_state", "Maximum throttle state of the cooling device", ["name", "type"]
        )
        for entry in entries:
            match = COOLING_DEVICE.match(entry)
            if match is None:
                continue
            base = f"{self._dir}/{entry}/"
            kind = read_stripped(base + "type")
            cur, top = read_stripped(base + "cur_state"), read_stripped(base + "max_state")
            if kind is None or not cur or not top:
                continue
            labels = [match[1], kind]
            current.add_metric(labels, float(parse_int(cur, base + "cur_state")))
            maximum.add_metric(labels, float(parse_int(top, base + "max_state")))
        return [temp, current, maximum]
