"""Plugs the jobs into the app: the dispatcher (with its dispy engine) as a background service, the
router, inventory nodes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session

from webapi.inventory.store import list_nodes
from webapi.jobs.dispatch.engine_api import NodeAddress
from webapi.jobs.dispatch.guards import UNKNOWN, Condition
from webapi.jobs.dispatch.nodeboard import NodeFacts
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.engine import DispyEngine, EngineConfig
from webapi.nodecontrol import service as drain_service
from webapi.routers import jobs as jobs_router
from webapi.runtime import Runtime
from webapi.services import nodes


def inventory_nodes(session: Session) -> list[NodeAddress]:
    return [NodeAddress(row.name, row.address, row.dispy_port) for row in list_nodes(session)]


def inventory_facts(session: Session) -> list[NodeFacts]:
    """Each inventory node's labels and drain (a drain of a name no longer listed is kept, unused)."""
    drains = drain_service.drains(session)
    return [NodeFacts(row.name, dict(row.labels or {}), drains.get(row.name)) for row in list_nodes(session)]


def collector_condition(runtime: Runtime) -> Callable[[str], Condition]:
    """Each node's condition from the collector's state, for the guards (unknown without a collector)."""

    def condition(name: str) -> Condition:
        if runtime.collector is None:
            return UNKNOWN
        state = nodes.node_state(runtime, name)
        status, _reason = nodes.status_of(runtime, state, runtime.collector.clock())
        if status == "unknown":
            return UNKNOWN
        metrics = nodes.current_metrics(state, status)
        if metrics is None:
            return Condition(exporter_up=False)
        return Condition(
            exporter_up=True,
            temperature=metrics.temperature_celsius,
            under_voltage=metrics.under_voltage,
            throttled=metrics.throttled,
            disk_percent=metrics.disk_percent,
        )

    return condition


def install(app: FastAPI, runtime: Runtime) -> JobDispatcher:
    """`app.state.jobs` is the dispatcher; the cluster answers get job counts and each node's dispy side
    through `runtime.extensions`, and the dispatcher's `probe()` as a part of the service."""
    engine = DispyEngine(EngineConfig.from_settings(runtime.settings))
    dispatcher = JobDispatcher(
        runtime.settings,
        runtime.sessions,
        runtime.events,
        engine,
        node_source=inventory_nodes,
        facts_source=inventory_facts,
        condition_source=collector_condition(runtime),
    )
    runtime.services.append(dispatcher)
    runtime.extensions.job_counts = dispatcher.job_counts
    runtime.extensions.node_dispy = dispatcher.node_dispy
    runtime.extensions.node_schedule = dispatcher.node_view
    runtime.extensions.refresh_schedule = dispatcher.refresh_nodes
    app.state.jobs = dispatcher
    app.include_router(jobs_router.router)
    return dispatcher
