"""`node_network_up`, `node_network_info` and the numeric link properties from /sys/class/net.

Named after node_exporter's collector that exports them; every interface is listed (netdev's device exclude
does not apply, as in node_exporter). A property the driver does not answer (EINVAL for `speed` or
`carrier` of a link that is down or virtual) is left out for that interface, as node_exporter does; one
that answers something other than an integer fails the collector, as it fails node_exporter's.
"""

from __future__ import annotations

import os
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import counter, gauge, read_stripped
from exporter.config import Config

INFO_LABELS = ["address", "broadcast", "device", "duplex", "ifalias", "operstate"]
# sysfs attribute -> (metric name suffix, counter?); `flags` and `dev_id` are written in hex (0x1003).
PROPERTIES = {
    "addr_assign_type": ("address_assign_type", False),
    "carrier": ("carrier", False),
    "carrier_changes": ("carrier_changes_total", True),
    "carrier_up_count": ("carrier_up_changes_total", True),
    "carrier_down_count": ("carrier_down_changes_total", True),
    "dev_id": ("device_id", False),
    "dormant": ("dormant", False),
    "flags": ("flags", False),
    "ifindex": ("iface_id", False),
    "iflink": ("iface_link", False),
    "link_mode": ("iface_link_mode", False),
    "mtu": ("mtu_bytes", False),
    "name_assign_type": ("name_assign_type", False),
    "netdev_group": ("net_dev_group", False),
    "speed": ("speed_bytes", False),
    "tx_queue_len": ("transmit_queue_length", False),
    "type": ("protocol_type", False),
}
# `speed` is in Mbit/s; node_exporter exports bytes per second (so an unknown speed, -1, is -125000).
SPEED_BYTES = 1000 * 1000 / 8


def parse_property(attribute: str, text: str, source: str) -> float:
    """The attribute's value as node_exporter exports it; a ValueError naming `source` if it is no integer."""
    try:
        value = int(text, 0)
    except ValueError:
        raise ValueError(f"{source}: expected an integer, got {text!r}") from None
    return value * SPEED_BYTES if attribute == "speed" else float(value)


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
        properties = {
            attribute: (counter if is_counter else gauge)(
                f"node_network_{name}", f"Network device property: {name}", ["device"]
            )
            for attribute, (name, is_counter) in PROPERTIES.items()
        }
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
            for attribute, family in properties.items():
                text = read_stripped(base + attribute)
                if text is not None:
                    family.add_metric([device], parse_property(attribute, text, base + attribute))
        return [up, info, *properties.values()]
