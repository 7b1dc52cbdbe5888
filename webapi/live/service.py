"""The live feed: what the collector and the webhook publish on `runtime.events`.

Event types: `overview` (the `GET /api/cluster/overview` answer), `nodes` (the `GET /api/cluster/nodes`
answer) after each collection round, and `alert` (`{"fired": [...], "resolved": [...]}`, AlertOut dicts)
whenever alerts change.
"""

from __future__ import annotations

import asyncio

from webapi.cluster import service as cluster
from webapi.core.runtime import Runtime
from webapi.monitoring.alerting.store import Changes
from webapi.monitoring.collector import RoundOutcome
from webapi.monitoring.service import alert_payload


def _nodes_payload(runtime: Runtime, at: float) -> list[dict[str, object]]:
    with runtime.sessions() as session:
        return [n.model_dump(mode="json") for n in cluster.node_summaries(runtime, session, at)]


def install(runtime: Runtime) -> None:
    """Hook the publishers onto the collector."""
    collector = runtime.monitoring
    if collector is None:
        return
    pending: set[asyncio.Task[None]] = set()

    async def publish_round() -> None:
        runtime.events.publish("nodes", await asyncio.to_thread(_nodes_payload, runtime, runtime.clock()))
        runtime.events.publish("overview", (await cluster.overview(runtime)).model_dump(mode="json"))

    async def after_round(_outcome: RoundOutcome) -> None:
        # Published off the round: the overview probes other services and must not delay the next round.
        if runtime.events.has_subscribers:
            task = asyncio.create_task(publish_round())
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def alerts_changed(changes: Changes) -> None:
        runtime.events.publish("alert", alert_payload(changes))

    collector.listeners.after_round.append(after_round)
    collector.listeners.alerts_changed.append(alerts_changed)
