"""A Raspberry Pi's power and throttling health, and its board model (no node_exporter collector has these).

The firmware reports its throttling state through the `get_throttled` attribute of its platform device
(`soc:firmware` on a Pi 4, `soc@107c000000:firmware` on a Pi 5): a hex number without `0x` whose bits 0-3
say what holds now and bits 16-19 what has happened since boot. Newer kernels drop the attribute; then the
`rpi_volt` hwmon chip's `in0_lcrit_alarm` still tells under-voltage now (and nothing else is known).
"""

from __future__ import annotations

import glob
import os
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_stripped
from exporter.config import Config

# Bit of each condition in the `now` half; the `since_boot` bit is 16 higher.
CONDITIONS = {"under_voltage": 0, "arm_frequency_capped": 1, "throttled": 2, "soft_temp_limit": 3}
SINCE_BOOT_SHIFT = 16
# The firmware device directly under the platform bus, or under its `soc` node (Pi 4, Pi 5).
GET_THROTTLED = ("devices/platform/*:firmware/get_throttled", "devices/platform/*/*:firmware/get_throttled")
MODEL_PREFIX = "Raspberry Pi"
Flags = dict[tuple[str, str], float]


def decode_throttled(text: str) -> Flags:
    """(condition, period) → 0/1 from `get_throttled`'s text; ValueError when it is not a hex number."""
    value = int(text.strip(), 16)
    flags: Flags = {}
    for condition, bit in CONDITIONS.items():
        flags[condition, "now"] = float(value >> bit & 1)
        flags[condition, "since_boot"] = float(value >> (bit + SINCE_BOOT_SHIFT) & 1)
    return flags


def board_model(raw: str | None) -> str | None:
    """The device tree's model string (NUL-terminated) when it names a Raspberry Pi."""
    model = (raw or "").rstrip("\x00").strip()
    return model if model.startswith(MODEL_PREFIX) else None


class RpiCollector:
    name: ClassVar[str] = "rpi"

    def __init__(self, config: Config) -> None:
        self._paths = config.paths

    def _throttled(self) -> Flags | None:
        for pattern in GET_THROTTLED:
            for path in sorted(glob.glob(str(self._paths.sys(pattern)))):
                text = read_stripped(path)
                if text is None:
                    continue
                try:
                    return decode_throttled(text)
                except ValueError:
                    raise ValueError(f"{path} holds {text!r}, not the firmware's hex flags") from None
        return self._under_voltage_alarm()

    def _under_voltage_alarm(self) -> Flags | None:
        hwmon = self._paths.sys("class", "hwmon")
        if not hwmon.is_dir():
            return None
        for chip in sorted(os.listdir(hwmon)):
            if read_stripped(hwmon / chip / "name") != "rpi_volt":
                continue
            path = hwmon / chip / "in0_lcrit_alarm"
            alarm = read_stripped(path)
            if alarm is None:
                return None
            if alarm not in ("0", "1"):
                raise ValueError(f"{path} holds {alarm!r}, not 0 or 1")
            return {("under_voltage", "now"): float(alarm)}
        return None

    def model(self) -> str | None:
        """The board model, when the device tree names a Raspberry Pi."""
        # /proc/device-tree links to /sys/firmware/devicetree/base; a container's procfs may not have it.
        for path in (
            self._paths.proc("device-tree/model"),
            self._paths.sys("firmware/devicetree/base/model"),
        ):
            model = board_model(read_stripped(path))
            if model is not None:
                return model
        return None

    def collect(self) -> list[Metric]:
        model, flags = self.model(), self._throttled()
        if model is None and flags is None:
            # No Pi: nothing to export, and nothing failed (on by default, it must not flag every server).
            return []
        throttled = gauge(
            "node_rpi_throttled",
            "Raspberry Pi firmware throttling flags: 1 if the condition holds now (period=now) or has held"
            " since boot (period=since_boot).",
            ["condition", "period"],
        )
        for (condition, period), value in (flags or {}).items():
            throttled.add_metric([condition, period], value)
        info = gauge("node_rpi_board_info", "Raspberry Pi board model from the device tree.", ["model"])
        if model is not None:
            info.add_metric([model], 1.0)
        return [throttled, info]
