"""`node_netstat_<Protocol>_<Field>` from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6."""

from __future__ import annotations

import contextlib
import re
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import read_parsed, untyped
from exporter.config import Config

# {protocol: {field: value as the kernel wrote it}}; only the exported values are converted to numbers.
Stats = dict[str, dict[str, str]]
# An snmp6 line: `Icmp6InType134   5`; the protocol is the name up to its first `6`. Others are skipped.
SNMP6_LINE = re.compile(r"^([^6\s]*6)(\S*)\s+(\S+)\s*$", re.MULTILINE)


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
        stats[protocol] = dict(zip(names[1:], numbers[1:], strict=True))
    return stats


def parse_snmp6(text: str) -> Stats:
    stats: Stats = {}
    for protocol, name, value in SNMP6_LINE.findall(text):
        stats.setdefault(protocol, {})[name] = value
    return stats


class NetstatCollector:
    name: ClassVar[str] = "netstat"

    def __init__(self, config: Config) -> None:
        self._netstat = config.paths.proc("net", "netstat")
        self._snmp = config.paths.proc("net", "snmp")
        self._snmp6 = config.paths.proc("net", "snmp6")
        self._fields = config.netstat_fields
        # Protocol → (its fields, [(field, metric name, HELP) the filter keeps]): the kernel's fields do not
        # change while it runs, so the filter runs once per protocol instead of on each field every scrape.
        self._kept: dict[str, tuple[set[str], list[tuple[str, str, str]]]] = {}

    def _kept_fields(self, protocol: str, fields: dict[str, str]) -> list[tuple[str, str, str]]:
        cached = self._kept.get(protocol)
        if cached is None or cached[0] != fields.keys():
            kept = [
                (field, f"node_netstat_{protocol}_{field}", f"Statistic {protocol}{field}.")
                for field in fields
                if self._fields is None or self._fields.search(f"{protocol}_{field}") is not None
            ]
            cached = self._kept[protocol] = (set(fields), kept)
        return cached[1]

    def collect(self) -> list[Metric]:
        stats = read_parsed(self._netstat, parse_netstat)
        stats.update(read_parsed(self._snmp, parse_netstat))
        with contextlib.suppress(FileNotFoundError):  # IPv6 disabled: there is no snmp6
            stats.update(read_parsed(self._snmp6, parse_snmp6))
        families: list[Metric] = []
        for protocol, fields in stats.items():
            for field, name, documentation in self._kept_fields(protocol, fields):
                family = untyped(name, documentation)
                try:
                    family.add_metric([], float(fields[field]))
                except ValueError:
                    raise ValueError(f"{protocol}_{field}: {fields[field]!r} is not a number") from None
                families.append(family)
        return families
