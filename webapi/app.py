"""The ASGI application: `uvicorn webapi.app:app` or `create_app(settings)` in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from webapi import __version__
from webapi.errors import ErrorResponse, install_error_handlers
from webapi.routers import health
from webapi.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="DispyCluster",
        version=__version__,
        lifespan=lifespan,
        responses={422: {"model": ErrorResponse}},
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    return app


app = create_app()
