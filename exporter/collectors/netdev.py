"""Interface counters from /proc/net/dev (link state is the netclass collector's, as in node_exporter)."""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, read_stripped, read_text
from exporter.config import Config, excluded

# The columns of /proc/net/dev, in order (the kernel sums the detailed error counters into these).
COLUMNS = (
    "receive_bytes",
    "receive_packets",
    "receive_errs",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errs",
    "transmit_drop",
    "transmit_fifo",
    "transmit_colls",
    "transmit_carrier",
    "transmit_compressed",
)


def parse_net_dev(text: str) -> dict[str, list[float]]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Inter-|"):
        raise ValueError("/proc/net/dev does not start with its header")
    devices: dict[str, list[float]] = {}
    for line in lines[2:]:
        name, sep, values = line.partition(":")
        row = [float(v) for v in values.split()]
        if not sep or len(row) != len(COLUMNS):
            raise ValueError(f"invalid line in /proc/net/dev: {line!r}")
        devices[name.strip()] = row
    return devices


class NetdevCollector:
    name: ClassVar[str] = "netdev"

    def __init__(self, config: Config) -> None:
        self._net_dev = config.paths.proc("net", "dev")
        self._class_net = config.paths.sys("class", "net")
        self._exclude = config.netdev_device_exclude

    def _counters(self) -> list[Metric]:
        devices = {
            device: values
            for device, values in parse_net_dev(read_text(self._net_dev)).items()
            if not excluded(self._exclude, device)
        }
        families: list[Metric] = []
        for index, column in enumerate(COLUMNS):
            family = counter(
                f"node_network_{column}_total", f"Network device statistic {column}.", ["device"]
            )
            for device, values in devices.items():
                family.add_metric([device], values[index])
            families.append(family)
            if column == "receive_multicast":
                families.append(self._nohandler(devices))
        return families

    def _nohandler(self, devices: dict[str, list[float]]) -> Metric:
        """Only sysfs has rx_nohandler (node_exporter gets it over netlink)."""
        family = counter(
            "node_network_receive_nohandler_total", "Network device statistic receive_nohandler.", ["device"]
        )
        for device in devices:
            value = read_stripped(f"{self._class_net}/{device}/statistics/rx_nohandler")
            if value:
                family.add_metric([device], float(value))
        return family

    def collect(self) -> list[Metric]:
        return self._counters()
