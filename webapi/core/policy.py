"""The role every route needs, in ONE table: `ROUTE_ROLES` below is the whole access policy.

Every route of the app has its line, keyed `"METHOD /path/{param}"` as the route is declared
(`"WS /ws"` for a WebSocket, `"MOUNT /prefix"` for everything under a mounted app). A route without a
line stops `create_app` (`UndeclaredRoutesError`), and tests/security/test_roles.py enumerates the app's
routes against this table: a new endpoint cannot ship without a role.

`AccessMiddleware` (webapi.core.auth) asks `RoutePolicy.resolve` what a request needs before any route
runs: a path that several lines match needs the strictest of them; a path no line matches (a 404 to
be) needs a viewer under `/api/` and at `/ws`, nothing elsewhere. HEAD and OPTIONS need what GET needs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path

from webapi.core.roles import PUBLIC, Need, Role

VIEWER, OPERATOR, ADMIN = Role.VIEWER, Role.OPERATOR, Role.ADMIN

ROUTE_ROLES: Final[dict[str, Need]] = {
    # Open to anyone: liveness, the service's metrics, the package index for nodes, API docs, and the UI's
    # HTML frames and assets (they hold no data: each page fills itself from the API with the caller's token).
    "GET /api/health": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "MOUNT /docs/assets": PUBLIC,
    "GET /simple/": PUBLIC,
    "GET /simple/{project}/": PUBLIC,
    "GET /simple/{project}/{filename}": PUBLIC,
    "GET /": PUBLIC,
    "GET /jobs": PUBLIC,
    "GET /jobs/{job_id}": PUBLIC,
    "GET /nodes": PUBLIC,
    "GET /nodes/{node_name}": PUBLIC,
    "GET /monitoring": PUBLIC,
    "GET /audit": PUBLIC,
    "GET /ui/lang/{language}": PUBLIC,
    "GET /static/vendor/{digest}/{name}": PUBLIC,
    "MOUNT /static": PUBLIC,
    # Reading: viewers.
    "WS /ws": VIEWER,
    "GET /api/whoami": VIEWER,
    "GET /api/jobs": VIEWER,
    "GET /api/jobs/types": VIEWER,
    "GET /api/jobs/{job_id}": VIEWER,
    "GET /api/jobs/{job_id}/logs": VIEWER,
    "GET /api/cluster/overview": VIEWER,
    "GET /api/cluster/health": VIEWER,
    "GET /api/cluster/nodes": VIEWER,
    "GET /api/cluster/nodes/{node_name}": VIEWER,
    "GET /api/cluster/targets": VIEWER,
    "GET /api/monitoring/health": VIEWER,
    "GET /api/monitoring/nodes": VIEWER,
    "GET /api/monitoring/metrics": VIEWER,
    "GET /api/monitoring/alerts": VIEWER,
    "GET /api/monitoring/export": VIEWER,
    # Running the cluster: operators.
    "POST /api/jobs": OPERATOR,
    "POST /api/jobs/batch": OPERATOR,
    "POST /api/cluster/nodes/{node_name}/drain": OPERATOR,
    "POST /api/cluster/nodes/{node_name}/resume": OPERATOR,
    "PUT /api/jobs/{job_id}": OPERATOR,
    "DELETE /api/jobs/{job_id}": OPERATOR,
    "POST /api/jobs/{job_id}/retry": OPERATOR,
    "POST /api/monitoring/collect_metrics": OPERATOR,
    "POST /api/monitoring/alertmanager": OPERATOR,
    # Changing who and what is in the cluster: admins.
    "POST /api/cluster/nodes": ADMIN,
    "PUT /api/cluster/nodes/{node_name}": ADMIN,
    "DELETE /api/cluster/nodes/{node_name}": ADMIN,
    "GET /api/tokens": ADMIN,
    "POST /api/tokens": ADMIN,
    "DELETE /api/tokens/{name}": ADMIN,
    "GET /api/audit": ADMIN,
}

# Where an unknown path (a 404 to be) still needs a token: nothing is said there without one.
PROTECTED_PREFIXES: Final = ("/api/", "/ws")


class UndeclaredRoutesError(RuntimeError):
    """Routes of the app that have no line in `ROUTE_ROLES`."""


def route_keys(app: FastAPI) -> Iterator[str]:
    """Every route of the app as its `ROUTE_ROLES` key (one per method)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, Mount):
            yield f"MOUNT {path}"
        elif context.methods is None:
            yield f"WS {path}"
        else:
            yield from (f"{method} {path}" for method in sorted(context.methods) if method != "HEAD")


def undeclared(app: FastAPI, table: dict[str, Need] = ROUTE_ROLES) -> list[str]:
    return [key for key in route_keys(app) if key not in table]


def _strictest(needs: Iterable[Need], default: Need) -> Need:
    """The strictest of `needs`; `default` when there are none."""
    found: Need | None = None
    for need in needs:
        if not isinstance(found, Role) or (isinstance(need, Role) and need.rank > found.rank):
            found = need
    return default if found is None else found


@dataclass(frozen=True)
class Resolution:
    need: Need
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class _Pattern:
    method: str
    regex: re.Pattern[str]
    need: Need


class RoutePolicy:
    """`ROUTE_ROLES` compiled: plain paths by dictionary, templated ones and mounts by pattern."""

    def __init__(self, table: dict[str, Need] = ROUTE_ROLES) -> None:
        plain: dict[tuple[str, str], Need] = {}
        self._patterns: list[_Pattern] = []
        for key, need in table.items():
            method, _, path = key.partition(" ")
            if method == "MOUNT":
                regex, _format, _convertors = compile_path(path.rstrip("/") + "/{rest:path}")
                self._patterns.append(_Pattern("*", regex, need))
            elif "{" in path:
                regex, _format, _convertors = compile_path(path)
                self._patterns.append(_Pattern(method, regex, need))
            else:
                plain[(method, path)] = need
        # A plain path that a template matches too needs the strictest of both: folded in here, so that
        # a plain path (the busiest, /api/health among them) is one dictionary lookup.
        self._resolved_plain = {
            (method, path): Resolution(_strictest([need, *self._pattern_needs(method, path)[0]], need))
            for (method, path), need in plain.items()
        }
        # Paths with values (job ids, node names) are matched once each, then remembered (bounded).
        self._resolve_templated = functools.lru_cache(maxsize=4096)(self._resolve_templated)  # type: ignore[method-assign]

    def _pattern_needs(self, method: str, path: str) -> tuple[list[Need], dict[str, str]]:
        needs: list[Need] = []
        params: dict[str, str] = {}
        for pattern in self._patterns:
            if pattern.method in (method, "*") and (match := pattern.regex.match(path)):
                needs.append(pattern.need)
                if pattern.method != "*":
                    params = params or match.groupdict()
        return needs, params

    def resolve(self, method: str, path: str) -> Resolution:
        method = "GET" if method in ("HEAD", "OPTIONS") else method
        plain = self._resolved_plain.get((method, path))
        return plain if plain is not None else self._resolve_templated(method, path)

    def _resolve_templated(self, method: str, path: str) -> Resolution:
        needs, params = self._pattern_needs(method, path)
        unknown: Need = Role.VIEWER if path.startswith(PROTECTED_PREFIXES) else PUBLIC
        return Resolution(_strictest(needs, unknown), params)
