"""`node_udp_queues{ip,queue}`: bytes the kernel holds in UDP sockets' send and receive queues.

Summed over every socket of /proc/net/udp (ip="v4") and /proc/net/udp6 (ip="v6"), as node_exporter's
collector of the same name does; a kernel without IPv6 has no udp6 file and no v6 series.
"""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import NoDataError, gauge, read_parsed
from exporter.config import Config

HEADER = "sl"
# `tx_queue:rx_queue` is the fifth column, two hexadecimal numbers.
QUEUES_COLUMN = 4


def parse_udp(text: str) -> tuple[int, int]:
    """(tx bytes, rx bytes) summed over the sockets of one /proc/net/udp{,6} table."""
    lines = text.splitlines()
    if not lines or lines[0].split()[:1] != [HEADER]:
        raise ValueError("does not start with its header")
    tx = rx = 0
    for line in lines[1:]:
        columns = line.split()
        if not columns:
            continue
        try:
            tx_text, rx_text = columns[QUEUES_COLUMN].split(":")
            tx, rx = tx + int(tx_text, 16), rx + int(rx_text, 16)
        except (IndexError, ValueError):
            raise ValueError(f"invalid line {line.strip()!r}") from None
    return tx, rx


class UdpQueuesCollector:
    name: ClassVar[str] = "udp_queues"

    def __init__(self, config: Config) -> None:
        self._tables = {"v4": config.paths.proc("net", "udp"), "v6": config.paths.proc("net", "udp6")}

    def collect(self) -> list[Metric]:
        queues = gauge(
            "node_udp_queues",
            "Number of allocated memory in the kernel for UDP datagrams in bytes.",
            ["ip", "queue"],
        )
        for ip, path in self._tables.items():
            try:
                tx, rx = read_parsed(path, parse_udp)
            except FileNotFoundError:
                continue
            queues.add_metric([ip, "tx"], float(tx))
            queues.add_metric([ip, "rx"], float(rx))
        if not queues.samples:
            raise NoDataError("neither /proc/net/udp nor /proc/net/udp6 exists")
        return [queues]
