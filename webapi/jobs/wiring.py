"""Plugs the jobs into the app: the dispatcher (with its dispy engine) as a background service, the
router, inventory nodes."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session

from webapi.core.runtime import Runtime
from webapi.inventory.store import list_nodes
from webapi.jobs import routes as jobs_router
from webapi.jobs.dispatch.engine_api import NodeAddress
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.engine import DispyEngine, EngineConfig


def inventory_nodes(session: Session) -> list[NodeAddress]:
    return [NodeAddress(row.name, row.address, row.dispy_port) for row in list_nodes(session)]


def install(app: FastAPI, runtime: Runtime) -> JobDispatcher:
    """`runtime.jobs` is the dispatcher: the jobs routes use it, the cluster answers read its job counts
    and each node's dispy side; as a background service its `probe()` is one of the overview's parts."""
    engine = DispyEngine(EngineConfig.from_settings(runtime.settings))
    dispatcher = JobDispatcher(
        runtime.settings, runtime.sessions, runtime.events, engine, node_source=inventory_nodes
    )
    runtime.services.append(dispatcher)
    runtime.jobs = dispatcher
    app.include_router(jobs_router.router)
    return dispatcher
