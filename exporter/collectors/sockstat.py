"""`node_sockstat_*` socket counts and memory from /proc/net/sockstat and /proc/net/sockstat6."""

from __future__ import annotations

import resource
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import read_parsed, single_gauge
from exporter.config import Config

# The kernel counts socket memory (`mem`) in pages; node_exporter also exports it in bytes.
PAGE_SIZE = resource.getpagesize()
# The order node_exporter exports a protocol's fields in.
FIELDS = ("inuse", "orphan", "tw", "alloc", "mem", "memory")


def parse_sockstat(text: str) -> dict[str, dict[str, int]]:
    """{protocol: {field: value}}, `sockets` included: `TCP: inuse 10 orphan 0 tw 4 alloc 12 mem 3` lines."""
    protocols: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) < 3 or len(fields) % 2 == 0:
            raise ValueError(f"malformed sockstat line: {line!r}")
        protocols[fields[0].removesuffix(":")] = {
            name: int(value) for name, value in zip(fields[1::2], fields[2::2], strict=True)
        }
    return protocols


class SockstatCollector:
    name: ClassVar[str] = "sockstat"

    def __init__(self, config: Config) -> None:
        self._paths = (config.paths.proc("net", "sockstat"), config.paths.proc("net", "sockstat6"))

    def collect(self) -> list[Metric]:
        families: list[Metric] = []
        for ipv6, path in enumerate(self._paths):
            try:
                protocols = read_parsed(path, parse_sockstat)
            except FileNotFoundError:
                continue  # IPv4 or IPv6 is disabled in this kernel
            for protocol, fields in protocols.items():
                if protocol == "sockets":
                    # sockstat6 has no `sockets` line; node_exporter only ever reads IPv4's.
                    if not ipv6 and "used" in fields:
                        used = single_gauge(
                            "node_sockstat_sockets_used", "Number of IPv4 sockets in use.", fields["used"]
                        )
                        families.append(used)
                    continue
                values = {field: fields[field] for field in FIELDS if field in fields}
                if "mem" in values:
                    values["mem_bytes"] = values["mem"] * PAGE_SIZE
                families.extend(
                    single_gauge(
                        f"node_sockstat_{protocol}_{field}",
                        f"Number of {protocol} sockets in state {field}.",
                        value,
                    )
                    for field, value in values.items()
                )
        return families
