"""The cluster answers: overview, health, node list and detail, inventory changes, SD targets."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from statistics import fmean

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webapi.cluster import nodes
from webapi.cluster.parts import database_health, probe_parts
from webapi.cluster.schemas import (
    ClusterHealth,
    ClusterStatus,
    NodeCounts,
    NodeDetail,
    NodeSummary,
    Overview,
)
from webapi.core.health import PartHealth
from webapi.core.runtime import Runtime
from webapi.core.timefmt import utc_from_unix
from webapi.inventory import store as inventory
from webapi.inventory.targets import http_sd_groups
from webapi.monitoring.alerting import store as alert_store
from webapi.monitoring.collection import history
from webapi.monitoring.schemas import ClusterAverages


def node_summaries(runtime: Runtime, session: Session, at: float) -> list[NodeSummary]:
    return [nodes.summary(runtime, row, at) for row in inventory.list_nodes(session)]


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(fmean(known), 2) if known else None


def averages(summaries: list[NodeSummary]) -> ClusterAverages:
    return ClusterAverages(
        cpu_percent=_mean([n.cpu_percent for n in summaries]),
        memory_percent=_mean([n.memory_percent for n in summaries]),
        disk_percent=_mean([n.disk_percent for n in summaries]),
    )


def max_temperature(summaries: list[NodeSummary]) -> float | None:
    temps = [n.temperature_celsius for n in summaries if n.temperature_celsius is not None]
    return max(temps) if temps else None


@dataclass(frozen=True)
class Assessment:
    status: ClusterStatus
    counts: NodeCounts
    issues: list[str]


def assess(
    summaries: list[NodeSummary], parts: list[PartHealth], alerts: Counter[str], inventory_error: str | None
) -> Assessment:
    """The overall status and its reasons in words. Critical: more than half the nodes offline, the
    database down or a critical alert firing; degraded: anything else that is not right."""
    by_status = Counter(n.status for n in summaries)
    counts = NodeCounts(
        total=len(summaries),
        online=by_status["online"],
        offline=by_status["offline"],
        unknown=by_status["unknown"],
    )
    issues: list[str] = []
    critical = False
    if not summaries:
        issues.append("no nodes in the inventory")
    if counts.offline:
        names = ", ".join(n.name for n in summaries if n.status == "offline")
        issues.append(f"{counts.offline} of {counts.total} nodes offline: {names}")
        critical = counts.offline * 2 > counts.total
    if counts.unknown:
        issues.append(f"{counts.unknown} nodes not scraped yet")
    for part in parts:
        if part.status != "ok":
            issues.append(f"{part.name} {part.status}" + (f": {part.detail}" if part.detail else ""))
            critical = critical or (part.name == "database" and part.status == "down")
    for severity, count in sorted(alerts.items()):
        issues.append(f"{count} {severity} alert{'s' if count > 1 else ''} firing")
    critical = critical or alerts["critical"] > 0
    if inventory_error:
        issues.append(f"inventory file not loaded: {inventory_error}")
    status: ClusterStatus = "critical" if critical else ("degraded" if issues else "healthy")
    return Assessment(status=status, counts=counts, issues=issues)


def _snapshot(runtime: Runtime, at: float) -> tuple[list[NodeSummary], Counter[str], PartHealth]:
    """Nodes and firing alerts; reading them is also the database's health probe."""
    started = time.perf_counter()
    try:
        with runtime.sessions() as session:
            summaries = node_summaries(runtime, session, at)
            alerts = alert_store.firing_by_severity(session)
    except SQLAlchemyError as error:
        return [], Counter(), database_health(runtime, started, error)
    return summaries, alerts, database_health(runtime, started, None)


async def overview(runtime: Runtime) -> Overview:
    at = runtime.clock()
    (summaries, alerts, database), others = await asyncio.gather(
        asyncio.to_thread(_snapshot, runtime, at), probe_parts(runtime)
    )
    parts = [*others[:1], database, *others[1:]]
    inventory_error = runtime.monitoring.inventory_error if runtime.monitoring else None
    verdict = assess(summaries, parts, alerts, inventory_error)
    return Overview(
        status=verdict.status,
        nodes=verdict.counts,
        averages=averages(summaries),
        max_temperature_celsius=max_temperature(summaries),
        active_alerts=sum(alerts.values()),
        alerts_by_severity=dict(alerts),
        jobs=runtime.jobs.job_counts() if runtime.jobs else None,
        parts=parts,
        issues=verdict.issues,
        timestamp=utc_from_unix(at),
    )


async def health(runtime: Runtime) -> ClusterHealth:
    answer = await overview(runtime)
    return ClusterHealth(
        status=answer.status,
        nodes_online=answer.nodes.online,
        nodes_total=answer.nodes.total,
        issues=answer.issues,
        timestamp=answer.timestamp,
    )


def node_detail(runtime: Runtime, session: Session, name: str, hours: int) -> NodeDetail:
    row = inventory.require_node(session, name)
    at = runtime.clock()
    series = {
        metric: history.query(session, name, metric, at - hours * 3600, at)
        for metric in history.HISTORY_METRICS
    }
    return nodes.detail(runtime, row, at, hours, series)


def targets(session: Session) -> list[dict[str, object]]:
    return http_sd_groups(inventory.list_nodes(session))
