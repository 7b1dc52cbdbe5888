"""Plugs the monitoring side into the app: collector, routers and the live feed."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.cluster import routes as cluster
from webapi.core.runtime import Runtime
from webapi.live import service as live
from webapi.monitoring import exposition as metrics
from webapi.monitoring import routes as monitoring
from webapi.monitoring.collector import Collector


def install(app: FastAPI, runtime: Runtime) -> None:
    collector = Collector(runtime)
    runtime.collector = collector
    # First in line: it syncs the inventory file that the other services read.
    runtime.services.insert(0, collector)
    live.install(runtime)
    app.include_router(cluster.router)
    app.include_router(monitoring.router)
    app.include_router(metrics.router)
