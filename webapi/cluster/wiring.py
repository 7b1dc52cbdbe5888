"""Plugs the cluster answers into the app."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.cluster import routes


def install(app: FastAPI) -> None:
    app.include_router(routes.router)
