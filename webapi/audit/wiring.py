"""Plugs the audit trail into the app: the background writer, the recording middleware, the route."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.audit.recorder import AuditMiddleware
from webapi.audit.routes import router
from webapi.audit.service import AuditLog
from webapi.core.policy import RoutePolicy
from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime


def install(app: FastAPI, runtime: Runtime) -> AuditLog:
    audit = AuditLog(runtime.sessions, runtime.settings.audit_retention_days)
    runtime.services.append(audit)
    runtime.audit = audit
    add_routes(app, router)
    return audit


def install_middleware(app: FastAPI, audit: AuditLog, policy: RoutePolicy) -> None:
    """Outside the access checks and request guards, so that their refusals are recorded too."""
    app.add_middleware(AuditMiddleware, audit=audit, policy=policy)
