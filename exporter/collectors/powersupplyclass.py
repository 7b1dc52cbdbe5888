"""Batteries, mains adapters and USB supplies from /sys/class/power_supply (`node_power_supply_*`).

sysfs gives µA, µV, µWh, µAh and µW (exported in base units), tenths of a degree, and seconds.
"""

from __future__ import annotations

import errno
import os
from typing import ClassVar

from prometheus_client.core import Metric
from prometheus_client.samples import Sample

from exporter.collectors.base import Family, gauge, parse_int, read_text
from exporter.config import Config, excluded

# sysfs attribute → (metric suffix, divisor), as node_exporter names and scales them.
PLAIN = {
    name: (name, 1.0)
    for name in (
        "authentic",
        "calibrate",
        "capacity",
        "capacity_alert_max",
        "capacity_alert_min",
        "online",
        "present",
    )
}
PLAIN |= {
    "cycle_count": ("cyclecount", 1.0),
    "time_to_empty_now": ("time_to_empty_seconds", 1.0),
    "time_to_full_now": ("time_to_full_seconds", 1.0),
}
MICRO = {
    name: (name, 1e6)
    for name in (
        "current_boot",
        "current_max",
        "energy_empty",
        "energy_empty_design",
        "energy_full",
        "energy_full_design",
        "voltage_boot",
        "voltage_max",
        "voltage_max_design",
        "voltage_min",
        "voltage_min_design",
        "voltage_ocv",
        "charge_control_limit",
        "charge_control_limit_max",
        "charge_counter",
        "charge_empty",
        "charge_empty_design",
        "charge_full",
        "charge_full_design",
        "charge_term_current",
        "constant_charge_current",
        "constant_charge_current_max",
        "constant_charge_voltage",
        "constant_charge_voltage_max",
        "precharge_current",
        "input_current_limit",
    )
}
MICRO |= {
    "current_now": ("current_ampere", 1e6),
    "energy_now": ("energy_watthour", 1e6),
    "voltage_now": ("voltage_volt", 1e6),
    "charge_now": ("charge_ampere", 1e6),
    "power_now": ("power_watt", 1e6),
}
DECI = {
    name: (f"{name}_celsius", 10.0)
    for name in (
        "temp",
        "temp_alert_max",
        "temp_alert_min",
        "temp_ambient",
        "temp_ambient_max",
        "temp_ambient_min",
        "temp_max",
        "temp_min",
    )
}
NUMBERS = PLAIN | MICRO | DECI
INFO = [
    "capacity_level",
    "charge_type",
    "health",
    "manufacturer",
    "model_name",
    "serial_number",
    "status",
    "technology",
    "type",
    "usb_type",
    "scope",
]
# What some drivers answer for an attribute they list but cannot read right now.
UNAVAILABLE = {errno.ENOENT, errno.ENODEV, errno.EOPNOTSUPP, errno.EINVAL}


def parse_supply(attributes: dict[str, str], source: str = "") -> tuple[dict[str, float], dict[str, str]]:
    """(metric suffix → value in base units, info label → text) of one supply's attributes."""
    numbers: dict[str, float] = {}
    info: dict[str, str] = {}
    for attribute, raw in attributes.items():
        if attribute in NUMBERS:
            suffix, divisor = NUMBERS[attribute]
            numbers[suffix] = parse_int(raw, f"{source}/{attribute}" if source else attribute) / divisor
        elif attribute in INFO and raw:
            info[attribute] = raw
    return numbers, info


def read_attributes(directory: str) -> dict[str, str]:
    attributes = {}
    for entry in os.scandir(directory):
        if (entry.name not in NUMBERS and entry.name not in INFO) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            attributes[entry.name] = read_text(entry.path).strip()
        except OSError as error:
            if error.errno not in UNAVAILABLE:
                raise
    return attributes


class PowerSupplyClassCollector:
    name: ClassVar[str] = "powersupplyclass"

    def __init__(self, config: Config) -> None:
        self._dir = config.paths.sys("class", "power_supply")
        self._ignored = config.powersupply_ignored

    def collect(self) -> list[Metric]:
        families: dict[str, Family] = {}
        info = gauge("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.")
        for supply in sorted(os.listdir(self._dir)):
            if excluded(self._ignored, supply):
                continue
            directory = f"{self._dir}/{supply}"
            numbers, labels = parse_supply(read_attributes(directory), directory)
            for suffix, value in sorted(numbers.items()):
                family = families.get(suffix)
                if family is None:
                    family = families[suffix] = gauge(
                        f"node_power_supply_{suffix}",
                        f"{suffix} value of /sys/class/power_supply/<power_supply>.",
                        ["power_supply"],
                    )
                family.add_metric([supply], value)
            # Like node_exporter, the info series carries only the attributes this supply has.
            info.samples.append(Sample(info.name, {"power_supply": supply} | labels, 1.0))
        return [*families.values(), info]
