"""The ASGI middleware that records every mutation request (any method but GET, HEAD and OPTIONS),
whatever its outcome: a refusal by the access checks (401, 403), the request guards (413, 422), a route
(4xx) or a failure (500). It sits outside those checks and reads who the caller was from
`scope[CALLER_KEY]`, set by `webapi.core.auth.AccessMiddleware`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.audit.service import AuditEntry, AuditLog
from webapi.core.auth import CALLER_KEY, SAFE_METHODS
from webapi.core.policy import RoutePolicy
from webapi.core.roles import ANONYMOUS_CALLER, Caller
from webapi.core.timefmt import naive_utc_now


def _target(policy: RoutePolicy, scope: Scope, method: str, location: str | None) -> str | None:
    """What the request acted on: the path's parameters (`job_id=5`), or for a creation the new
    resource's (from the answer's `Location`)."""
    params = policy.resolve(method, scope["path"]).params
    if not params and location is not None:
        params = policy.resolve("GET", location.split("?", 1)[0]).params
    return ", ".join(f"{name}={value}" for name, value in params.items()) or None


class AuditMiddleware:
    def __init__(self, app: ASGIApp, audit: AuditLog, policy: RoutePolicy) -> None:
        self.app = app
        self.audit = audit
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status: int | None = None
        location: str | None = None

        async def watch(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name == b"location":
                        location = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            status = status or 500  # the error middleware outside answers a 500
            raise
        finally:
            caller: Caller = scope.get(CALLER_KEY, ANONYMOUS_CALLER)
            client = scope.get("client")
            self.audit.record(
                AuditEntry(
                    at=naive_utc_now(),
                    token_name=caller.name,
                    role=caller.role.value if caller.role else None,
                    method=scope["method"],
                    path=scope["path"],
                    target=_target(self.policy, scope, scope["method"], location),
                    status=status,
                    client=str(client[0]) if client else None,
                )
            )
