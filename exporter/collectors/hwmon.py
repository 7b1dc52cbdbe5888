"""Hardware monitor sensors from /sys/class/hwmon with node_exporter's chip naming.

Chips are named from their device path (`platform_coretemp_0`, `nvme_nvme0`), so two NVMe drives stay two
chips, which is what dashboards join on (`node_hwmon_chip_names`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import Family, gauge, read_stripped
from exporter.config import Config

SENSOR_FILE = re.compile(r"^(?P<type>[^0-9_]+)(?P<num>[0-9]*)(?:_(?P<element>.+))?$")
UNSAFE = re.compile(r"[^a-z0-9:_]")
LABELS = ["chip", "sensor"]

# sensor type → (metric suffix for measured values, HELP noun, scale from the sysfs unit)
UNITS: dict[str, tuple[str, str, float]] = {
    "temp": ("_celsius", "temperature", 0.001),
    "in": ("_volts", "voltage", 0.001),
    "cpu": ("_volts", "voltage", 0.001),
    "curr": ("_amps", "current", 0.001),
    "power": ("_watt", "power usage in watts", 1e-6),
    "fan": ("_rpm", "fan revolutions per minute", 1.0),
}
FAN_MEASURED = {"input", "min", "max", "target"}


def clean(name: str) -> str:
    return UNSAFE.sub("_", name.strip().lower()).strip("_")


def chip_name(hwmon_dir: Path) -> str:
    """`<bus>_<device>` from the resolved device link, else the name file, else `hwmonN`."""
    device = hwmon_dir / "device"
    if device.exists():
        resolved = Path(os.path.realpath(device))
        bus, dev = clean(resolved.parent.name), clean(resolved.name)
        if bus and dev:
            return f"{bus}_{dev}"
        if dev:
            return dev
    name = clean(read_stripped(hwmon_dir / "name") or "")
    return name or clean(Path(os.path.realpath(hwmon_dir)).name)


def sensor_files(hwmon_dir: Path) -> dict[str, dict[str, str]]:
    """sensor (`temp1`) → element (`input`, `max`, `label`...) → raw value."""
    sensors: dict[str, dict[str, str]] = {}
    # Old drivers keep their attributes in the device directory instead.
    for directory in (hwmon_dir, hwmon_dir / "device"):
        if not directory.is_dir():
            continue
        for entry in os.scandir(directory):
            match = SENSOR_FILE.match(entry.name)
            if match is None or match["type"] not in UNITS or not entry.is_file():
                continue
            value = read_stripped(Path(entry.path))
            if value is not None:
                # A bare `temp` file is sensor `temp0` (a Pi's thermal_zone0, seen through its device link).
                sensors.setdefault(match["type"] + (match["num"] or "0"), {})[match["element"] or ""] = value
    return sensors


def metric_for(kind: str, element: str) -> tuple[str, str, float]:
    """Metric name, HELP and scale of one sensor element, following node_exporter's rules."""
    base = f"node_hwmon_{kind}"
    if element in ("fault", "alarm"):
        return f"{base}_{element}", f"Hardware sensor {element} status ({kind})", 1.0
    if element == "beep":
        return f"{base}_beep_enabled", "Hardware monitor sensor has beeping enabled", 1.0
    suffix, noun, scale = UNITS[kind]
    name = base if element in ("input", "") else f"{base}_{clean(element)}"
    if kind == "fan" and element not in FAN_MEASURED:
        return name, f"Hardware monitor {kind} element {element}", 1.0
    return name + suffix, f"Hardware monitor for {noun} ({element or 'input'})", scale


class HwmonCollector:
    name: ClassVar[str] = "hwmon"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.sys("class", "hwmon")

    def collect(self) -> list[Metric]:
        families: dict[str, Family] = {}
        chips = gauge(
            "node_hwmon_chip_names", "Annotation metric for human-readable chip names", ["chip", "chip_name"]
        )
        labels = gauge(
            "node_hwmon_sensor_label", "Label for given chip and sensor", ["chip", "label", "sensor"]
        )
        for hwmon_dir in sorted(self._dir.iterdir()):
            if not hwmon_dir.is_dir():
                continue
            chip = chip_name(hwmon_dir)
            name = read_stripped(hwmon_dir / "name")
            if name:
                chips.add_metric([chip, clean(name)], 1.0)
            for sensor, elements in sorted(sensor_files(hwmon_dir).items()):
                kind = SENSOR_FILE.match(sensor)["type"]  # type: ignore[index]
                for element, raw in sorted(elements.items()):
                    if element == "label":
                        labels.add_metric([chip, raw, sensor], 1.0)
                        continue
                    if kind == "temp" and element == "type":
                        continue
                    try:
                        value = float(raw)
                    except ValueError:
                        continue
                    metric, documentation, scale = metric_for(kind, element)
                    family = families.get(metric)
                    if family is None:
                        family = families[metric] = gauge(metric, documentation, LABELS)
                    family.add_metric([chip, sensor], value * scale)
        return [chips, labels, *families.values()]
