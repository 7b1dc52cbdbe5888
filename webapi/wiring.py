"""Plugs the monitoring side into the app: collector, routers, auth, CORS, HTTP metrics, live feed."""

from __future__ import annotations

import sys

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from webapi.auth import TokenAuthMiddleware, auth_required, connect_host, resolve_token
from webapi.collection.service import Collector
from webapi.observability import HttpMetricsMiddleware
from webapi.routers import cluster, metrics, monitoring
from webapi.runtime import Runtime
from webapi.security_headers import SecurityHeadersMiddleware
from webapi.services import live
from webapi.settings import Settings


def service_url(settings: Settings, token: str | None) -> str:
    return f"http://{connect_host(settings.host)}:{settings.port}/" + (f"?token={token}" if token else "")


def install(app: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    collector = Collector(runtime)
    runtime.collector = collector
    # First in line: it syncs the inventory file that the other services read.
    runtime.services.insert(0, collector)
    live.install(runtime)
    app.include_router(cluster.router)
    app.include_router(monitoring.router)
    app.include_router(metrics.router)
    token = resolve_token(settings)
    if token is not None:
        app.add_middleware(TokenAuthMiddleware, token=token)
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
    # Outermost, so that answers made by the middlewares above (401, CORS) carry the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    mode = "token required" if auth_required(settings) else "no token needed on loopback"
    print(f"DispyCluster web service: {service_url(settings, token)} ({mode})", file=sys.stderr, flush=True)
