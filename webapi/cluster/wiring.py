"""Plugs the cluster answers into the app."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.cluster import routes
from webapi.core.routing import add_routes


def install(app: FastAPI) -> None:
    add_routes(app, routes.router)
