"""Plugs the jobs into the app: the dispatcher (with its dispy engine) as a background service, the
router, inventory nodes with their labels and drains, and each node's condition from the collector for
the health guards."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session

from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime
from webapi.inventory.store import list_nodes
from webapi.jobs import routes as jobs_router
from webapi.jobs.dispatch.engine_api import NodeAddress
from webapi.jobs.dispatch.guards import UNKNOWN, Condition, Drain
from webapi.jobs.dispatch.nodeboard import NodeFacts
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.dispy_client import EngineConfig
from webapi.jobs.engine import DispyEngine
from webapi.monitoring.current import current_metrics, node_state, status_of
from webapi.nodecontrol import service as drain_service


def inventory_nodes(session: Session) -> list[NodeAddress]:
    return [NodeAddress(row.name, row.address, row.dispy_port) for row in list_nodes(session)]


def inventory_facts(session: Session) -> list[NodeFacts]:
    """Each inventory node's labels and drain (a drain of a name no longer listed is kept, unused)."""
    drains = {name: Drain(row.reason, row.until) for name, row in drain_service.drains(session).items()}
    return [NodeFacts(row.name, dict(row.labels or {}), drains.get(row.name)) for row in list_nodes(session)]


def collector_condition(runtime: Runtime) -> Callable[[str], Condition]:
    """Each node's condition from the collector's state, for the guards (unknown without a collector)."""

    def condition(name: str) -> Condition:
        if runtime.monitoring is None:
            return UNKNOWN
        state = node_state(runtime, name)
        status, _reason = status_of(runtime, state, runtime.clock())
        if status == "unknown":
            return UNKNOWN
        metrics = current_metrics(state, status)
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
    """`runtime.jobs` is the dispatcher: the jobs routes use it, the cluster answers read its job counts,
    each node's dispy side and whether it takes new jobs; as a background service its `probe()` is one of
    the overview's parts."""
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
    runtime.jobs = dispatcher
    add_routes(app, jobs_router.router)
    return dispatcher
