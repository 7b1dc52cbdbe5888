"""Plugs the live feed into the app: the publishers on the collector's rounds and alerts, and `/ws`."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime
from webapi.live import routes, service


def install(app: FastAPI, runtime: Runtime) -> None:
    service.install(runtime)
    add_routes(app, routes.router)
