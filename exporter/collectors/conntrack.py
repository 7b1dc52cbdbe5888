"""`node_nf_conntrack_*`: the connection tracking table's size, limit and per-CPU statistics summed.

Reads /proc/sys/net/netfilter/nf_conntrack_{count,max} and /proc/net/stat/nf_conntrack; without the
nf_conntrack module loaded there is nothing to read (no data, as node_exporter says).
"""

from __future__ import annotations

from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_parsed
from exporter.config import Config

# Column of /proc/net/stat/nf_conntrack (hexadecimal, one line per CPU after the header) → metric, HELP.
# The columns are positional: kernels renamed some headers (searched → clashres) but kept their places.
STATS = {
    2: ("found", "Number of searched entries which were successful."),
    4: ("invalid", "Number of packets seen which can not be tracked."),
    5: ("ignore", "Number of packets seen which are already connected to a conntrack entry."),
    8: ("insert", "Number of entries inserted into the list."),
    9: ("insert_failed", "Number of entries for which list insertion was attempted but failed."),
    10: ("drop", "Number of packets dropped due to conntrack failure."),
    11: (
        "early_drop",
        "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
    ),
    16: (
        "search_restart",
        "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
    ),
}
# Kernels before 4.x have 16 columns (no search_restart), later ones 17.
WIDTHS = (16, 17)


def parse_conntrack_stat(text: str) -> dict[int, float]:
    """{column: sum over the CPUs} of the columns node_exporter exports."""
    totals: dict[int, float] = {}
    for number, line in enumerate(text.splitlines()[1:], start=2):
        values = [int(column, 16) for column in line.split()]
        if len(values) not in WIDTHS:
            raise ValueError(f"line {number} has {len(values)} columns, expected 16 or 17")
        for column in STATS:
            if column < len(values):
                totals[column] = totals.get(column, 0.0) + values[column]
    if not totals:
        raise ValueError("no per-CPU line after the header")
    return totals


class ConntrackCollector:
    name: ClassVar[str] = "conntrack"

    def __init__(self, config: Config) -> None:
        self._netfilter = config.paths.proc("sys", "net", "netfilter")
        self._stat = config.paths.proc("net", "stat", "nf_conntrack")

    def collect(self) -> list[Metric]:
        entries = gauge(
            "node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking."
        )
        entries.add_metric([], float(read_parsed(self._netfilter / "nf_conntrack_count", int)))
        limit = gauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.")
        limit.add_metric([], float(read_parsed(self._netfilter / "nf_conntrack_max", int)))
        families: list[Metric] = [entries, limit]
        try:
            stat = read_parsed(self._stat, parse_conntrack_stat)
        except FileNotFoundError:
            # A kernel without CONFIG_NF_CONNTRACK_PROCFS: the table's size and limit are still known.
            return families
        for column, value in stat.items():
            name, documentation = STATS[column]
            family = gauge(f"node_nf_conntrack_stat_{name}", documentation)
            family.add_metric([], value)
            families.append(family)
        return families
