"""Answers of the `/api/monitoring` endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

NodeStatus = Literal["online", "offline", "unknown"]


class ClusterAverages(BaseModel):
    """Averages over the online nodes that report the value."""

    cpu_percent: float | None
    memory_percent: float | None
    disk_percent: float | None


class NodeFigures(BaseModel):
    """A node's current figures, derived from its exporter; null where the service cannot tell."""

    cpu_percent: float | None
    memory_percent: float | None
    disk_percent: float | None
    temperature_celsius: float | None
    load1: float | None
    network_rx_bps: float | None
    network_tx_bps: float | None
    uptime_seconds: float | None
    under_voltage: bool | None = Field(
        None, description="Raspberry Pi: under-voltage now (firmware flag); null on other machines."
    )
    under_voltage_since_boot: bool | None = Field(
        None, description="Raspberry Pi: under-voltage happened since boot; null when unknown."
    )
    throttled: bool | None = Field(
        None, description="Raspberry Pi: CPU throttled or frequency capped now; null when unknown."
    )


FIGURES = tuple(NodeFigures.model_fields)


class RoundOut(BaseModel):
    started_at: datetime
    duration_seconds: float
    scraped: int
    succeeded: int
    failed: int
    errors: dict[str, str]


class MonitoringHealth(BaseModel):
    collector_running: bool
    scrape_interval_seconds: float
    last_round: RoundOut | None
    last_round_failure: str | None
    inventory_error: str | None
    last_errors: dict[str, str | None] = Field(
        description="node → error of its last scrape (null if it worked)"
    )


class ScrapeStatus(BaseModel):
    node: str
    target: str
    up: bool | None
    status: NodeStatus
    last_scrape: datetime | None
    last_success: datetime | None
    duration_seconds: float | None
    error: str | None


class NodeCurrent(NodeFigures):
    status: NodeStatus
    at: datetime | None


class ClusterCurrent(ClusterAverages):
    max_temperature_celsius: float | None
    network_rx_bps: float | None
    network_tx_bps: float | None


class CurrentMetrics(BaseModel):
    nodes: dict[str, NodeCurrent]
    cluster: ClusterCurrent
    timestamp: datetime


class Series(BaseModel):
    node: str
    metric: str
    points: list[tuple[float, float]] = Field(description="[[unix_seconds, value], …]")


class HistoryAnswer(BaseModel):
    since: datetime
    until: datetime
    step_seconds: float | None
    source: str = Field(
        description="`prometheus`, or the database the history was read from: `sqlite`, `postgresql`"
    )
    series: list[Series]


class AlertOut(BaseModel):
    id: int
    name: str
    severity: str
    node: str | None
    summary: str
    description: str
    status: Literal["firing", "resolved"]
    starts_at: datetime
    ends_at: datetime | None
    source: Literal["builtin", "alertmanager"]
    fingerprint: str
    labels: dict[str, str]


class AlertList(BaseModel):
    alerts: list[AlertOut]
    count: int
