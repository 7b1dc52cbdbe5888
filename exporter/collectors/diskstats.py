"""Block device I/O counters from /proc/diskstats and `node_disk_info` from udev's database."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, gauge, read_text
from exporter.config import Config, excluded

SECTOR_BYTES = 512.0
MS = 0.001
# /proc/diskstats columns after the device name: (metric, HELP, scale, is a counter)
COLUMNS = (
    ("node_disk_reads_completed_total", "The total number of reads completed successfully.", 1.0, True),
    ("node_disk_reads_merged_total", "The total number of reads merged.", 1.0, True),
    ("node_disk_read_bytes_total", "The total number of bytes read successfully.", SECTOR_BYTES, True),
    ("node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", MS, True),
    ("node_disk_writes_completed_total", "The total number of writes completed successfully.", 1.0, True),
    ("node_disk_writes_merged_total", "The number of writes merged.", 1.0, True),
    ("node_disk_written_bytes_total", "The total number of bytes written successfully.", SECTOR_BYTES, True),
    (
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        MS,
        True,
    ),
    ("node_disk_io_now", "The number of I/Os currently in progress.", 1.0, False),
    ("node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MS, True),
    ("node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", MS, True),
    ("node_disk_discards_completed_total", "The total number of discards completed successfully.", 1.0, True),
    ("node_disk_discards_merged_total", "The total number of discards merged.", 1.0, True),
    ("node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", 1.0, True),
    (
        "node_disk_discard_time_seconds_total",
        "This is the total number of seconds spent by all discards.",
        MS,
        True,
    ),
    (
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        1.0,
        True,
    ),
    (
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        MS,
        True,
    ),
)
INFO_LABELS = ["device", "major", "minor", "model", "path", "revision", "serial", "wwn"]
# node_disk_info label → udev property
UDEV_PROPERTIES = {
    "model": "ID_MODEL",
    "path": "ID_PATH",
    "revision": "ID_REVISION",
    "serial": "ID_SERIAL_SHORT",
    "wwn": "ID_WWN",
}


def parse_udev(text: str) -> dict[str, str]:
    """The `E:KEY=value` lines of a /run/udev/data/b<major>:<minor> file."""
    return dict(line[2:].split("=", 1) for line in text.splitlines() if line.startswith("E:") and "=" in line)


class DiskstatsCollector:
    name: ClassVar[str] = "diskstats"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("diskstats")
        self._udev = config.paths.root("/run/udev/data")
        self._exclude = config.diskstats_device_exclude

    def _udev_properties(self, major: str, minor: str) -> dict[str, str]:
        try:
            return parse_udev(read_text(self._udev / f"b{major}:{minor}"))
        except OSError:
            return {}

    def collect(self) -> list[Metric]:
        families = [
            (counter if is_counter else gauge)(name, doc, ["device"]) for name, doc, _, is_counter in COLUMNS
        ]
        info = gauge("node_disk_info", "Info of /sys/block/<block_device>.", INFO_LABELS)
        for line in read_text(self._path).splitlines():
            major, minor, device, *values = line.split()
            if excluded(self._exclude, device):
                continue
            for family, (_, _, scale, _), value in zip(families, COLUMNS, values, strict=False):
                family.add_metric([device], float(value) * scale)
            udev = self._udev_properties(major, minor)
            info.add_metric(
                [device, major, minor, *(udev.get(key, "") for key in UDEV_PROPERTIES.values())], 1.0
            )
        # Older kernels have fewer columns: leave out the families no device reported.
        return [info, *(family for family in families if family.samples)]
