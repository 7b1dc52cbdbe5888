"""Node answers: the inventory row joined with what the collector knows about the node."""

from __future__ import annotations

from typing import Any

from webapi.collection.derive import NodeMetrics
from webapi.collection.state import NodeState, Status
from webapi.inventory.store import to_model
from webapi.inventory.table import NodeRow
from webapi.runtime import Runtime
from webapi.schemas.cluster import FIGURES, FilesystemOut, InterfaceOut, NodeDetail, NodeSummary
from webapi.schemas.monitoring import NodeCurrent
from webapi.services.timefmt import utc


def node_state(runtime: Runtime, name: str) -> NodeState:
    collector = runtime.collector
    state = collector.states.get(name) if collector is not None else None
    return state or NodeState(name)


def status_of(runtime: Runtime, state: NodeState, now: float) -> tuple[Status, str | None]:
    return state.status(now, runtime.settings.collect_interval)


def current_metrics(state: NodeState, status: Status) -> NodeMetrics | None:
    """The node's latest derived values, shown only while they are current (online)."""
    return state.metrics if status == "online" else None


def _values(metrics: NodeMetrics | None) -> dict[str, Any]:
    """NodeFigures' fields (numbers and flags, None unknown) by name, read off the node's metrics."""
    return {name: getattr(metrics, name) if metrics else None for name in FIGURES}


def summary(runtime: Runtime, row: NodeRow, now: float) -> NodeSummary:
    state = node_state(runtime, row.name)
    status, reason = status_of(runtime, state, now)
    dispy = runtime.extensions.node_dispy(row.name) if runtime.extensions.node_dispy else None
    schedule = runtime.extensions.node_schedule(row.name) if runtime.extensions.node_schedule else None
    return NodeSummary(
        **to_model(row).model_dump(),
        status=status,
        reason=reason,
        last_seen=utc(state.last_success_at),
        dispy=dispy,
        schedulable=schedule.schedulable if schedule else None,
        unschedulable_reason=schedule.reason if schedule else None,
        drained=schedule.drained if schedule else None,
        **_values(current_metrics(state, status)),
    )


def detail(
    runtime: Runtime, row: NodeRow, now: float, hours: int, history: dict[str, list[tuple[float, float]]]
) -> NodeDetail:
    base = summary(runtime, row, now)
    state = node_state(runtime, row.name)
    metrics = current_metrics(state, base.status)
    return NodeDetail(
        **base.model_dump(),
        per_cpu_percent=metrics.per_cpu_percent if metrics else {},
        memory_total_bytes=metrics.memory_total_bytes if metrics else None,
        memory_available_bytes=metrics.memory_available_bytes if metrics else None,
        filesystems=[FilesystemOut(**vars(fs)) for fs in metrics.filesystems] if metrics else [],
        interfaces=[InterfaceOut(**vars(i)) for i in metrics.interfaces] if metrics else [],
        sensors=metrics.sensors if metrics else {},
        history_hours=hours,
        history=history,
    )


def current(runtime: Runtime, name: str, now: float) -> NodeCurrent:
    state = node_state(runtime, name)
    status, _ = status_of(runtime, state, now)
    metrics = current_metrics(state, status)
    return NodeCurrent(status=status, at=utc(metrics.ts if metrics else None), **_values(metrics))
