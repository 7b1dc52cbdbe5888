"""What the collector knows about one node now: its state, status and current figures."""

from __future__ import annotations

from typing import Any

from webapi.core.runtime import Runtime
from webapi.core.timefmt import utc
from webapi.monitoring.collection.derive import NodeMetrics
from webapi.monitoring.collection.state import NodeState, Status
from webapi.monitoring.schemas import FIGURES, NodeCurrent


def node_state(runtime: Runtime, name: str) -> NodeState:
    collector = runtime.monitoring
    state = collector.states.get(name) if collector is not None else None
    return state or NodeState(name)


def status_of(runtime: Runtime, state: NodeState, now: float) -> tuple[Status, str | None]:
    return state.status(now, runtime.settings.collect_interval)


def current_metrics(state: NodeState, status: Status) -> NodeMetrics | None:
    """The node's latest derived values, shown only while they are current (online)."""
    return state.metrics if status == "online" else None


def figures(metrics: NodeMetrics | None) -> dict[str, Any]:
    """NodeFigures' fields (numbers and flags, None unknown) by name, read off the node's metrics."""
    return {name: getattr(metrics, name) if metrics else None for name in FIGURES}


def current(runtime: Runtime, name: str, now: float) -> NodeCurrent:
    state = node_state(runtime, name)
    status, _ = status_of(runtime, state, now)
    metrics = current_metrics(state, status)
    return NodeCurrent(status=status, at=utc(metrics.ts if metrics else None), **figures(metrics))
