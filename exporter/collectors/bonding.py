"""Bonded network interfaces from /sys/class/net (`node_bonding_slaves`, `node_bonding_active`).

Without the bonding driver there is no `bonding_masters` file: no data, as node_exporter reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config


def slave_status(class_net: Path, master: str, slave: str) -> str:
    """The slave's MII status; older kernels name its directory `slave_<dev>` instead of `lower_<dev>`."""
    try:
        return read_text(class_net / master / f"lower_{slave}" / "bonding_slave" / "mii_status").strip()
    except FileNotFoundError:
        return read_text(class_net / master / f"slave_{slave}" / "bonding_slave" / "mii_status").strip()


def bonding_stats(class_net: Path) -> dict[str, tuple[int, int]]:
    """master → (configured slaves, slaves whose MII status is up)."""
    stats: dict[str, tuple[int, int]] = {}
    for master in read_text(class_net / "bonding_masters").split():
        slaves = read_text(class_net / master / "bonding" / "slaves").split()
        up = sum(slave_status(class_net, master, slave) == "up" for slave in slaves)
        stats[master] = (len(slaves), up)
    return stats


class BondingCollector:
    name: ClassVar[str] = "bonding"

    def __init__(self, config: Config) -> None:
        self._class_net = config.paths.sys("class", "net")

    def collect(self) -> list[Metric]:
        slaves = gauge(
            "node_bonding_slaves", "Number of configured slaves per bonding interface.", ["master"]
        )
        active = gauge("node_bonding_active", "Number of active slaves per bonding interface.", ["master"])
        for master, (configured, up) in sorted(bonding_stats(self._class_net).items()):
            slaves.add_metric([master], float(configured))
            active.add_metric([master], float(up))
        return [slaves, active]
