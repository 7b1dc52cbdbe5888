"""Node answers: the inventory row joined with what the collector knows about the node."""

from __future__ import annotations

from webapi.cluster.schemas import FilesystemOut, InterfaceOut, NodeDetail, NodeSummary
from webapi.core.runtime import Runtime
from webapi.core.timefmt import utc
from webapi.inventory.store import to_model
from webapi.inventory.tables import NodeRow
from webapi.monitoring.current import current_metrics, figures, node_state, status_of


def summary(runtime: Runtime, row: NodeRow, now: float) -> NodeSummary:
    state = node_state(runtime, row.name)
    status, reason = status_of(runtime, state, now)
    dispy = runtime.jobs.node_dispy(row.name) if runtime.jobs else None
    schedule = runtime.jobs.node_view(row.name) if runtime.jobs else None
    return NodeSummary(
        **to_model(row).model_dump(),
        status=status,
        reason=reason,
        last_seen=utc(state.last_success_at),
        dispy=dispy,
        schedulable=schedule.schedulable if schedule else None,
        unschedulable_reason=schedule.reason if schedule else None,
        drained=schedule.drained if schedule else None,
        **figures(current_metrics(state, status)),
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
