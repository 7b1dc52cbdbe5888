"""A Raspberry Pi's power and throttling health, and its board model (no node_exporter collector has these).

The firmware reports its throttling state through the `get_throttled` attribute of its platform device
(`soc:firmware` on a Pi 4, `soc@107c000000:firmware` on a Pi 5): a hex number without `0x` whose bits 0-3
say what holds now and bits 16-19 what has happened since boot. Newer kernels drop the attribute; then the
`rpi_volt` hwmon chip's `in0_lcrit_alarm` still tells under-voltage now (and nothing else is known).
"""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass
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
# Seconds before a machine where no flags were found is searched again.
SEARCH_AGAIN = 60.0
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


@dataclass(frozen=True)
class Found:
    """Where this machine's Pi facts are, as last searched for."""

    model: str | None
    throttled: tuple[str, ...]  # get_throttled attributes, in the order they are tried
    volt_alarm: str | None  # the rpi_volt chip's in0_lcrit_alarm, by its device path
    search_again: float  # monotonic time after which a search that found no flags is made again


class RpiCollector:
    """The firmware's flags, read at every scrape from where a search found them.

    Searching means globbing the platform devices and reading every hwmon chip's name: most of this
    collector's time on a machine that is no Pi, where it finds nothing. So the places found are kept, and
    searched for again as soon as one of them can no longer be read, and, while no flags were found, once
    a minute (a firmware driver loaded late). The device tree's model cannot change while the system runs.
    """

    name: ClassVar[str] = "rpi"

    def __init__(self, config: Config) -> None:
        self._paths = config.paths
        self._found: Found | None = None

    def _search(self) -> Found:
        throttled = tuple(
            path for pattern in GET_THROTTLED for path in sorted(glob.glob(str(self._paths.sys(pattern))))
        )
        return Found(self.model(), throttled, self._volt_alarm(), time.monotonic() + SEARCH_AGAIN)

    def _volt_alarm(self) -> str | None:
        hwmon = self._paths.sys("class", "hwmon")
        if not hwmon.is_dir():
            return None
        for chip in sorted(os.listdir(hwmon)):
            if read_stripped(hwmon / chip / "name") == "rpi_volt":
                # The device's own path: a hwmon number freed by the chip may be given to another one.
                return os.path.join(os.path.realpath(hwmon / chip), "in0_lcrit_alarm")
        return None

    def _throttled(self, found: Found) -> Flags | None:
        for path in found.throttled:
            text = read_stripped(path)
            if text is None:
                self._found = None
                continue
            try:
                return decode_throttled(text)
            except ValueError:
                raise ValueError(f"{path} holds {text!r}, not the firmware's hex flags") from None
        if found.volt_alarm is None:
            return None
        alarm = read_stripped(found.volt_alarm)
        if alarm is None:
            self._found = None
            return None
        if alarm not in ("0", "1"):
            raise ValueError(f"{found.volt_alarm} holds {alarm!r}, not 0 or 1")
        return {("under_voltage", "now"): float(alarm)}

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
        found = self._found
        if found is None or (
            not found.throttled and found.volt_alarm is None and time.monotonic() >= found.search_again
        ):
            found = self._found = self._search()
        flags = self._throttled(found)
        if self._found is None:  # a place found before could not be read: where is it now?
            found = self._found = self._search()
            flags = self._throttled(found)
        model = found.model
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
