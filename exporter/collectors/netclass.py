"""`node_network_up`, `node_network_info` and `node_network_mtu_bytes` from /sys/class/net.

Named after node_exporter's collector that exports them; every interface is listed (netdev's device exclude
does not apply, as in node_exporter).
"""

from __future__ import annotations

import os
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_stripped
from exporter.config import Config

INFO_LABELS = ["address", "broadcast", "device", "duplex", "ifalias", "operstate"]


class NetclassCollector:
    name: ClassVar[str] = "netclass"

    def __init__(self, config: Config) -> None:
        self._class_net = config.paths.sys("class", "net")

    def collect(self) -> list[Metric]:
        up = gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", ["device"])
        info = gauge(
            "node_network_info",
            "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
            INFO_LABELS,
        )
        mtu = gauge("node_network_mtu_bytes", "Network device property: mtu_bytes", ["device"])
        for device in sorted(os.listdir(self._class_net)):
            base = f"{self._class_net}/{device}/"
            # The bonding driver keeps a plain file (`bonding_masters`) beside the interfaces.
            if not os.path.isdir(base):
                continue
            operstate = read_stripped(base + "operstate") or "unknown"
            up.add_metric([device], 1.0 if operstate == "up" else 0.0)
            info.add_metric(
                [
                    read_stripped(base + "address") or "",
                    read_stripped(base + "broadcast") or "",
                    device,
                    read_stripped(base + "duplex") or "",
                    read_stripped(base + "ifalias") or "",
                    operstate,
                ],
                1.0,
            )
            value = read_stripped(base + "mtu")
            if value:
                mtu.add_metric([device], float(value))
        return [up, info, mtu]
