"""ECC memory error counters from /sys/devices/system/edac/mc (`node_edac_*`).

A machine without an EDAC driver (every Pi) simply has no controllers: the collector succeeds with no series,
as node_exporter's does. A counter file that cannot be read fails the collector.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, parse_int, read_int, read_stripped
from exporter.config import Config

CONTROLLER = re.compile(r"^mc(\d+)$")
CSROW = re.compile(r"^csrow(\d+)$")
CHANNEL = re.compile(r"^ch(\d+)_ce_count$")


def read_count(path: str) -> float:
    return float(read_int(path))


def dimm_label(csrow: str, channel: str) -> str:
    """The DIMM's label as node_exporter rewrites it; `unknown` when the driver has none."""
    label = read_stripped(f"{csrow}/ch{channel}_dimm_label")
    if label is None:
        return "unknown"
    return label.replace("#", "").replace("csrow", "_csrow").replace("channel", "_channel")


def numbered(directory: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(number, path) of the entries named by `pattern`, in glob order."""
    if not os.path.isdir(directory):
        return []
    return sorted(
        (m[1], f"{directory}/{m[0]}") for entry in os.listdir(directory) if (m := pattern.match(entry))
    )


class EdacCollector:
    name: ClassVar[str] = "edac"

    def __init__(self, config: Config) -> None:
        self._dir = str(config.paths.sys("devices", "system", "edac", "mc"))

    def collect(self) -> list[Metric]:
        ce = counter("node_edac_correctable_errors_total", "Total correctable memory errors.", ["controller"])
        ue = counter(
            "node_edac_uncorrectable_errors_total", "Total uncorrectable memory errors.", ["controller"]
        )
        row_labels = ["controller", "csrow"]
        row_ce = counter(
            "node_edac_csrow_correctable_errors_total",
            "Total correctable memory errors for this csrow.",
            row_labels,
        )
        row_ue = counter(
            "node_edac_csrow_uncorrectable_errors_total",
            "Total uncorrectable memory errors for this csrow.",
            row_labels,
        )
        channel_labels = ["controller", "csrow", "channel", "dimm_label"]
        channel_ce = counter(
            "node_edac_channel_correctable_errors_total",
            "Total correctable memory errors for this channel.",
            channel_labels,
        )
        channel_ue = counter(
            "node_edac_channel_uncorrectable_errors_total",
            "Total uncorrectable memory errors for this channel.",
            channel_labels,
        )
        for controller, mc in numbered(self._dir, CONTROLLER):
            ce.add_metric([controller], read_count(f"{mc}/ce_count"))
            row_ce.add_metric([controller, "unknown"], read_count(f"{mc}/ce_noinfo_count"))
            ue.add_metric([controller], read_count(f"{mc}/ue_count"))
            row_ue.add_metric([controller, "unknown"], read_count(f"{mc}/ue_noinfo_count"))
            for row, csrow in numbered(mc, CSROW):
                row_ce.add_metric([controller, row], read_count(f"{csrow}/ce_count"))
                row_ue.add_metric([controller, row], read_count(f"{csrow}/ue_count"))
                for channel, path in numbered(csrow, CHANNEL):
                    labels = [controller, row, channel, dimm_label(csrow, channel)]
                    channel_ce.add_metric(labels, read_count(path))
                    # Few drivers count uncorrectable errors per channel: optional, as upstream.
                    uncorrectable = f"{csrow}/ch{channel}_ue_count"
                    raw = read_stripped(uncorrectable)
                    if raw is not None:
                        channel_ue.add_metric(labels, float(parse_int(raw, uncorrectable)))
        return [ce, ue, row_ce, row_ue, channel_ce, channel_ue]
