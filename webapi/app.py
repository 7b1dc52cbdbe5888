"""The ASGI application, built by a factory: `uvicorn --factory webapi.app:create_app`.

Importing this module creates nothing and prints nothing. Whether the API needs a token is decided per
request from where the server really listens (`webapi.core.exposure`), never from the `HOST` setting.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from webapi import __version__
from webapi.access import wiring as access_wiring
from webapi.access.service import TokenDirectory
from webapi.audit import wiring as audit_wiring
from webapi.audit.service import AuditLog
from webapi.cluster import wiring as cluster_wiring
from webapi.core import health
from webapi.core.auth import AccessMiddleware, TokenError, Tokens, token_path
from webapi.core.db import migrate
from webapi.core.errors import ErrorResponse, install_error_handlers
from webapi.core.observability import HttpMetricsMiddleware
from webapi.core.policy import RoutePolicy
from webapi.core.private_files import private_dir
from webapi.core.request_guard import RequestGuardMiddleware
from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime
from webapi.core.security_headers import SecurityHeadersMiddleware
from webapi.core.settings import Settings, SettingsError, deprecation_warnings, load_settings
from webapi.jobs import wiring as jobs_wiring
from webapi.live import wiring as live_wiring
from webapi.monitoring import wiring as monitoring_wiring
from webapi.nodecontrol import wiring as nodecontrol_wiring
from webapi.ui import install_ui
from webapi.wheelhouse import routes as wheelhouse


def _install_middleware(
    app: FastAPI, settings: Settings, tokens: Tokens, directory: TokenDirectory, audit: AuditLog
) -> None:
    """Outermost last: security headers on every answer, then metrics, CORS, the audit trail, access,
    request limits."""
    policy = RoutePolicy()
    batches = {"/api/jobs/batch": (settings.max_batch_bytes, "DISPYCLUSTER_MAX_BATCH_BYTES")}
    app.add_middleware(RequestGuardMiddleware, max_body=settings.max_request_bytes, larger=batches)
    app.add_middleware(AccessMiddleware, tokens=tokens, directory=directory, policy=policy)
    audit_wiring.install_middleware(app, audit, policy)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # Browsers refuse credentials with a wildcard origin; never combine the two.
            allow_credentials="*" not in settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)


def _token_banner(settings: Settings) -> str:
    if settings.api_token is not None:
        return "DispyCluster web service: every /api call needs the token of DISPYCLUSTER_API_TOKEN"
    return (
        "DispyCluster web service: no token needed from this machine while it listens on loopback only; "
        f"otherwise /api calls need the token in {token_path(settings)}"
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    private_dir(settings.data_dir, ours=True)
    runtime = Runtime.from_settings(settings)
    tokens = Tokens(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            tokens.get()
        except TokenError as error:
            raise SettingsError(f"DispyCluster cannot start: {error}") from None
        print(_token_banner(settings), file=sys.stderr, flush=True)
        for warning in deprecation_warnings():
            print(f"DispyCluster: {warning}", file=sys.stderr, flush=True)
        # Whatever the service writes (database, dispy's recovery file, job files) is for its user only.
        previous_umask = os.umask(0o077)
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
            os.umask(previous_umask)

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
    add_routes(app, health.router)
    # Routes match in order: the job API, the busiest under load, before the cluster and monitoring ones.
    jobs_wiring.install(app, runtime)
    nodecontrol_wiring.install(app)
    cluster_wiring.install(app)
    monitoring_wiring.install(app, runtime)
    live_wiring.install(app, runtime)
    directory = access_wiring.install(app, runtime, tokens)
    audit = audit_wiring.install(app, runtime)
    install_ui(app)
    wheelhouse.install(app, runtime)
    access_wiring.check_declared(app)
    _install_middleware(app, settings, tokens, directory, audit)
    return app
