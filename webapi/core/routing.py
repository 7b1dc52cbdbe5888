"""How a feature's routes join the app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Puts `router`'s routes into the app's own route table, in order.

    FastAPI's `include_router` keeps the router as one nested route that is matched, then matched again
    inside, on every request: a few microseconds each time, paid by every request to a later router. The
    routes of an `APIRouter` are complete when declared (its prefix, tags and response class are already
    theirs), so the app can hold them directly, as if declared on it.
    """
    app.router.routes.extend(router.routes)
