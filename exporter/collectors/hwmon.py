"""Hardware monitor sensors from /sys/class/hwmon with node_exporter's chip naming.

Chips are named from their device path (`platform_coretemp_0`, `nvme_nvme0`), so two NVMe drives stay two
chips, which is what dashboards join on (`node_hwmon_chip_names`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import Family, gauge, read_stripped
from exporter.config import Config, ignored

# Greedy like node_exporter's: `beep_enable` and `update_interval` are sensor types of their own.
SENSOR_FILE = re.compile(r"^(?P<type>[^0-9]+)(?P<num>[0-9]*)?(?:_(?P<element>.+))?$")
UNSAFE = re.compile(r"[^a-z0-9:_]")
LABELS = ["chip", "sensor"]
SENSOR_TYPES = {
    "vrm",
    "beep_enable",
    "update_interval",
    "in",
    "cpu",
    "fan",
    "pwm",
    "temp",
    "curr",
    "power",
    "energy",
    "humidity",
    "intrusion",
    "freq",
}
# One metric of a chip's sensor: name, HELP, type, value and the `sensor` label.
Reading = tuple[str, str, str, float, str]


def clean(name: str) -> str:
    return UNSAFE.sub("_", name.strip().lower()).strip("_")


def device_chip_name(hwmon_dir: str) -> str:
    """`<bus>_<device>` from the resolved device link, else the name file, else `hwmonN`."""
    device = f"{hwmon_dir}/device"
    if os.path.exists(device):
        bus_path, dev = os.path.split(os.path.realpath(device))
        bus, dev = clean(os.path.basename(bus_path)), clean(dev)
        if bus and dev:
            return f"{bus}_{dev}"
        if dev:
            return dev
    name = clean(read_stripped(f"{hwmon_dir}/name") or "")
    return name or clean(os.path.basename(os.path.realpath(hwmon_dir)))


def chip_names(hwmon_dirs: list[str]) -> dict[str, tuple[str, str]]:
    """Each chip's label and its `name` file; chips sharing a device get that name (or `hwmonN`) appended."""
    base = {directory: device_chip_name(directory) for directory in hwmon_dirs}
    names = {directory: (read_stripped(f"{directory}/name") or "") for directory in hwmon_dirs}
    chips = Counter(base.values())
    pairs = Counter((base[d], names[d]) for d in hwmon_dirs)
    result = {}
    for directory in hwmon_dirs:
        chip = base[directory]
        if chips[chip] > 1:
            suffix = clean(names[directory])
            if not suffix or pairs[(chip, names[directory])] > 1:
                suffix = clean(os.path.basename(directory))
            chip = f"{chip}_{suffix}"
        result[directory] = (chip, names[directory])
    return result


def sensor_files(hwmon_dir: str) -> dict[str, dict[str, str]]:
    """sensor (`temp1`) → element (`input`, `max`, `label`, `` for a bare file...) → raw value."""
    sensors: dict[str, dict[str, str]] = {}
    # Old drivers keep their attributes in the device directory instead.
    for directory in (hwmon_dir, f"{hwmon_dir}/device"):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            match = SENSOR_FILE.match(entry.name)
            if match is None or match["type"] not in SENSOR_TYPES or not entry.is_file():
                continue
            value = read_stripped(entry.path)
            if value is not None:
                # A bare `temp` file is sensor `temp0` (a Pi's thermal_zone0, seen through its device link).
                sensor = match["type"] + str(int(match["num"] or "0"))
                sensors.setdefault(sensor, {})[match["element"] or ""] = value
    return sensors


def readings(kind: str, sensor: str, elements: dict[str, str]) -> list[Reading]:
    """The metrics of one sensor, named, documented and scaled by node_exporter's rules."""
    if kind in ("beep_enable", "vrm", "update_interval"):
        raw = elements.get("", "")
        if kind == "beep_enable":
            return [("node_hwmon_beep_enabled", "Hardware beep enabled", "gauge", float(raw == "1"), sensor)]
        try:
            value = float(raw)
        except ValueError:
            return []
        if kind == "vrm":
            return [
                ("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", "gauge", value, sensor)
            ]
        return [
            ("node_hwmon_update_interval_seconds", "Hardware monitor update interval", "gauge", value * 0.001)
        ]
    result = []
    base = f"node_hwmon_{kind}"
    for element, raw in sorted(elements.items()):
        if element == "label":
            continue
        if element == "input":
            name = base + "_input" if "" in elements else base
        else:
            name = f"{base}_{clean(element)}" if element else base
        try:
            value = float(raw)
        except ValueError:
            continue
        if kind == "freq" and element == "input":
            # GPU clocks: exported under the sensor's label instead of its file name, and only with one.
            if "label" in elements:
                documentation = "Hardware monitor for GPU frequency in MHz"
                result.append(
                    (name + "_freq_mhz", documentation, "gauge", value / 1e6, clean(elements["label"]))
                )
            continue
        result.append((*reading_for(kind, element, name, value), sensor))
    return result


def reading_for(kind: str, element: str, name: str, value: float) -> tuple[str, str, str, float]:
    if element in ("fault", "alarm"):
        return name, f"Hardware sensor {element} status ({kind})", "gauge", value
    if element == "beep":
        return name + "_enabled", "Hardware monitor sensor has beeping enabled", "gauge", value
    if kind in ("in", "cpu"):
        return name + "_volts", f"Hardware monitor for voltage ({element})", "gauge", value * 0.001
    if kind == "temp" and element != "type":
        help_element = element or "input"
        return name + "_celsius", f"Hardware monitor for temperature ({help_element})", "gauge", value * 0.001
    if kind == "curr":
        return name + "_amps", f"Hardware monitor for current ({element})", "gauge", value * 0.001
    if kind == "energy":
        documentation = f"Hardware monitor for joules used so far ({element})"
        return name + "_joule_total", documentation, "counter", value / 1e6
    if kind == "power":
        if element == "accuracy":
            return name, "Hardware monitor power meter accuracy, as a ratio", "gauge", value / 1e6
        if element in ("average_interval", "average_interval_min", "average_interval_max"):
            documentation = f"Hardware monitor power usage update interval ({element})"
            return name + "_seconds", documentation, "gauge", value * 0.001
        return name + "_watt", f"Hardware monitor for power usage in watts ({element})", "gauge", value / 1e6
    if kind == "humidity":
        documentation = (
            "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a"
            f" percentage) ({element})"
        )
        return name, documentation, "gauge", value / 1e6
    if kind == "fan" and element in ("input", "min", "max", "target"):
        return name + "_rpm", f"Hardware monitor for fan revolutions per minute ({element})", "gauge", value
    return name, f"Hardware monitor {kind} element {element}", "gauge", value


class HwmonCollector:
    name: ClassVar[str] = "hwmon"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.sys("class", "hwmon")
        self._config = config

    def collect(self) -> list[Metric]:
        families: dict[str, Family] = {}
        chips = gauge(
            "node_hwmon_chip_names", "Annotation metric for human-readable chip names", ["chip", "chip_name"]
        )
        labels = gauge(
            "node_hwmon_sensor_label", "Label for given chip and sensor", ["chip", "label", "sensor"]
        )
        # Listing the class directory makes a missing or broken one a failed collector ("no data" if absent).
        entries = sorted(os.listdir(self._dir))
        hwmon_dirs = [path for entry in entries if os.path.isdir(path := f"{self._dir}/{entry}")]
        config = self._config
        for hwmon_dir, (chip, raw_name) in chip_names(hwmon_dirs).items():
            if ignored(chip, config.hwmon_chip_exclude, config.hwmon_chip_include):
                continue
            name = clean(raw_name)
            if name:
                chips.add_metric([chip, name], 1.0)
            for sensor, elements in sorted(sensor_files(hwmon_dir).items()):
                # Sensors are filtered as `chip;sensor`, so that one chip's temp3 can be left out alone.
                if ignored(f"{chip};{sensor}", config.hwmon_sensor_exclude, config.hwmon_sensor_include):
                    continue
                kind = SENSOR_FILE.match(sensor)["type"]  # type: ignore[index]
                label = elements.get("label")
                if label is not None:
                    labels.add_metric([chip, label, sensor], 1.0)
                for metric, documentation, kind_of_metric, value, label_value in readings(
                    kind, sensor, elements
                ):
                    family = families.get(metric)
                    if family is None:
                        family = families[metric] = Family(metric, documentation, kind_of_metric, LABELS)
                    family.add_metric([chip, label_value], value)
        return [chips, labels, *families.values()]
