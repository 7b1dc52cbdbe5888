"""Plugs access control into the app: the token directory (a background service), the token routes,
and the check that every route has its line in the policy table."""

from __future__ import annotations

from fastapi import FastAPI

from webapi.access.routes import router
from webapi.access.service import TokenDirectory
from webapi.core.auth import Tokens
from webapi.core.policy import UndeclaredRoutesError, undeclared
from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime


def install(app: FastAPI, runtime: Runtime, tokens: Tokens) -> TokenDirectory:
    # Named tokens' login cookies are keyed by the service token: a copy of the table cannot forge one.
    directory = TokenDirectory(runtime.sessions, tokens.get)
    runtime.services.append(directory)
    runtime.tokens = directory
    add_routes(app, router)
    return directory


def check_declared(app: FastAPI) -> None:
    """Every route needs its line in `webapi.core.policy.ROUTE_ROLES`: else the app is not built."""
    missing = undeclared(app)
    if missing:
        raise UndeclaredRoutesError(
            "routes without a role in webapi/core/policy.py ROUTE_ROLES: " + ", ".join(missing)
        )
