"""The inventory in Prometheus's HTTP service-discovery format (one target group per node)."""

from __future__ import annotations

from typing import Any

from webapi.inventory.tables import NodeRow


def http_sd_groups(rows: list[NodeRow]) -> list[dict[str, Any]]:
    """`[{"targets": ["host:port"], "labels": {...}}]`; `node` carries the inventory name."""
    groups = []
    for row in rows:
        labels = {key: str(value) for key, value in (row.labels or {}).items()}
        labels["node"] = row.name
        groups.append({"targets": [row.exporter], "labels": labels})
    return groups
