"""Plugs monitoring into the app: the collector as the first background service, its routes and /metrics."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime
from webapi.monitoring import exposition, routes
from webapi.monitoring.collector import Collector


def install(app: FastAPI, runtime: Runtime) -> None:
    collector = Collector(runtime)
    runtime.monitoring = collector
    # First in line: it syncs the inventory file that the other services read.
    runtime.services.insert(0, collector)
    add_routes(app, routes.router)
    add_routes(app, exposition.router)
