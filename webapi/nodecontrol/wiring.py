"""Plugs node control into the app: the drain and resume endpoints."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.core.routing import add_routes
from webapi.nodecontrol import routes


def install(app: FastAPI) -> None:
    add_routes(app, routes.router)
