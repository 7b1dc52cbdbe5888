"""`node_arp_entries{device}`: the IPv4 neighbour table's entries per interface, from /proc/net/arp.

node_exporter asks netlink by default; /proc/net/arp lists the same entries (both leave out NOARP ones).
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_parsed
from exporter.config import Config, ignored

HEADER = "IP address"
COLUMNS = 6


def parse_arp(text: str) -> dict[str, int]:
    """{device: number of entries}; each line is `IP HW-type Flags HW-address Mask Device`."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith(HEADER):
        raise ValueError("/proc/net/arp does not start with its header")
    devices: Counter[str] = Counter()
    for line in lines[1:]:
        columns = line.split()
        if not columns:
            continue
        if len(columns) != COLUMNS or not columns[2].startswith("0x"):
            raise ValueError(f"invalid line in /proc/net/arp: {line!r}")
        devices[columns[5]] += 1
    return dict(devices)


class ArpCollector:
    name: ClassVar[str] = "arp"

    def __init__(self, config: Config) -> None:
        self._path = config.paths.proc("net", "arp")
        self._include = config.arp_device_include
        self._exclude = config.arp_device_exclude

    def collect(self) -> list[Metric]:
        entries = gauge("node_arp_entries", "ARP entries by device", ["device"])
        for device, count in read_parsed(self._path, parse_arp).items():
            if not ignored(device, self._exclude, self._include):
                entries.add_metric([device], float(count))
        return [entries]
