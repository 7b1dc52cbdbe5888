"""`node_netstat_<Protocol>_<Field>` from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6."""

from __future__ import annotations

import contextlib
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import read_parsed, untyped
from exporter.config import Config

Stats = dict[str, dict[str, float]]


def parse_netstat(text: str) -> Stats:
    """/proc/net/netstat and /proc/net/snmp: a `Proto: Name Name...` line, then `Proto: value value...`."""
    stats: Stats = {}
    lines = text.splitlines()
    if len(lines) % 2:
        raise ValueError(f"odd number of lines ({len(lines)}): a header without its values")
    for header, values in zip(lines[::2], lines[1::2], strict=True):
        names, numbers = header.split(), values.split()
        protocol = names[0].removesuffix(":") if names else ""
        if not names or len(names) != len(numbers) or numbers[0] != names[0]:
            raise ValueError(f"field count mismatch for {protocol or header!r}")
        stats[protocol] = {name: float(value) for name, value in zip(names[1:], numbers[1:], strict=True)}
    return stats


def parse_snmp6(text: str) -> Stats:
    """/proc/net/snmp6: `Ip6InReceives 123` lines; the protocol is the name up to its first `6`."""
    stats: Stats = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        six = fields[0].find("6")
        if six == -1:
            continue
        protocol, name = fields[0][: six + 1], fields[0][six + 1 :]
        stats.setdefault(protocol, {})[name] = float(fields[1])
    return stats


class NetstatCollector:
    name: ClassVar[str] = "netstat"

    def __init__(self, config: Config) -> None:
        self._netstat = config.paths.proc("net", "netstat")
        self._snmp = config.paths.proc("net", "snmp")
        self._snmp6 = config.paths.proc("net", "snmp6")
        self._fields = config.netstat_fields

    def collect(self) -> list[Metric]:
        stats = read_parsed(self._netstat, parse_netstat)
        stats.update(read_parsed(self._snmp, parse_netstat))
        with contextlib.suppress(FileNotFoundError):  # IPv6 disabled: there is no snmp6
            stats.update(read_parsed(self._snmp6, parse_snmp6))
        families: list[Metric] = []
        for protocol, fields in stats.items():
            for field, value in fields.items():
                key = f"{protocol}_{field}"
                if self._fields is not None and self._fields.search(key) is None:
                    continue
                family = untyped(f"node_netstat_{key}", f"Statistic {protocol}{field}.")
                family.add_metric([], value)
                families.append(family)
        return families
