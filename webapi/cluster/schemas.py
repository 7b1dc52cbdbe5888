"""Answers of the `/api/cluster` endpoints. Times are ISO 8601 UTC; unknown values are `null`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from webapi.core.health import PartHealth
from webapi.monitoring.schemas import ClusterAverages, NodeFigures, NodeStatus

ClusterStatus = Literal["healthy", "degraded", "critical"]


class NodeCounts(BaseModel):
    total: int
    online: int
    offline: int
    unknown: int


class Overview(BaseModel):
    status: ClusterStatus
    nodes: NodeCounts
    averages: ClusterAverages
    max_temperature_celsius: float | None
    active_alerts: int
    alerts_by_severity: dict[str, int]
    jobs: dict[str, int] | None = Field(None, description="Job counts by state; null until jobs exist.")
    parts: list[PartHealth]
    issues: list[str]
    timestamp: datetime


class NodeSummary(NodeFigures):
    name: str
    address: str
    exporter: str
    dispy_port: int
    labels: dict[str, str]
    source: str
    status: NodeStatus
    reason: str | None = Field(None, description="Why the node is not online.")
    last_seen: datetime | None
    dispy: dict[str, Any] | None = Field(None, description="The node's dispy side; null until jobs exist.")
    schedulable: bool | None = Field(
        None,
        description="Whether new jobs may start on the node (not drained, no guard tripped).",
    )
    unschedulable_reason: str | None = Field(None, description="Why no new job starts there (drain, guard).")
    drained: bool | None = Field(None, description="Whether an operator drained the node (POST …/drain).")


class FilesystemOut(BaseModel):
    mountpoint: str
    device: str
    fstype: str
    size_bytes: float
    avail_bytes: float
    used_percent: float | None


class InterfaceOut(BaseModel):
    device: str
    rx_bytes_per_second: float | None
    tx_bytes_per_second: float | None


class NodeDetail(NodeSummary):
    per_cpu_percent: dict[str, float | None]
    memory_total_bytes: float | None
    memory_available_bytes: float | None
    filesystems: list[FilesystemOut]
    interfaces: list[InterfaceOut]
    sensors: dict[str, float]
    history_hours: int
    history: dict[str, list[tuple[float, float]]] = Field(
        description="metric → [[unix_seconds, value], …] over the last `history_hours`."
    )


class ClusterHealth(BaseModel):
    status: ClusterStatus
    nodes_online: int
    nodes_total: int
    issues: list[str]
    timestamp: datetime


class HttpSdGroup(BaseModel):
    targets: list[str]
    labels: dict[str, str]
