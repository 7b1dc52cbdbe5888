"""The ASGI application: `uvicorn webapi.app:app` or `create_app(settings)` in tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from webapi import __version__
from webapi.db import migrate
from webapi.errors import ErrorResponse, install_error_handlers
from webapi.jobs import wiring as jobs_wiring
from webapi.routers import health, ws
from webapi.runtime import Runtime
from webapi.settings import Settings, load_settings
from webapi.ui import install_ui
from webapi.wheelhouse import router as wheelhouse
from webapi.wiring import install as install_monitoring


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.from_settings(settings or load_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.events.bind_loop(asyncio.get_running_loop())
        await asyncio.to_thread(migrate.upgrade, runtime.engine)
        started = []
        try:
            for service in runtime.services:
                await service.start()
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                await service.stop()
            runtime.engine.dispose()

    # /docs and /redoc with Swagger UI and ReDoc served by the service itself: cluster LANs are often offline.
    app = FastAPIOffline(
        static_url="/docs/assets",
        title="DispyCluster",
        version=__version__,
        lifespan=lifespan,
        responses={422: {"model": ErrorResponse}},
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(health.router)
    # Routes match in order: the job API, the busiest under load, before the cluster and monitoring ones.
    jobs_wiring.install(app, runtime)
    install_monitoring(app, runtime)
    app.include_router(ws.router)
    install_ui(app)
    wheelhouse.install(app, runtime.settings.data_dir)
    return app


app = create_app()
