"""Token auth for the API when the service listens beyond loopback (or a token is configured).

Protected: every `/api/...` path except `/api/health`, and the live feed `/ws`. Accepted:
`Authorization: Bearer <token>`, or the login cookie that any request carrying a valid `?token=` sets
(the Jupyter way). `/metrics` stays open.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.errors import error_response
from webapi.settings import Settings

COOKIE = "dispycluster_token"
TOKEN_FILE = "api_token"
OPEN_PATHS = frozenset({"/api/health"})
# The live feed carries the same data as the API.
PROTECTED_PATHS = frozenset({"/ws"})


def is_loopback_host(host: str) -> bool:
    """True when `host` (the address the service binds) is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect_host(host: str) -> str:
    """Where a local client reaches a service bound to `host` (a wildcard bind is reached on loopback)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def auth_required(settings: Settings) -> bool:
    return settings.api_token is not None or not is_loopback_host(settings.host)


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def resolve_token(settings: Settings) -> str | None:
    """The token the API requires: configured, else kept in (or first generated into) the data dir."""
    if settings.api_token is not None:
        return settings.api_token.get_secret_value()
    if not auth_required(settings):
        return None
    path = token_path(settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_protected(path: str) -> bool:
    return (path.startswith("/api/") and path not in OPEN_PATHS) or path in PROTECTED_PATHS


class TokenAuthMiddleware:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.cookie_value = _digest(token)

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def _authenticated(self, headers: Headers) -> bool:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self._valid(credentials.strip()):
            return True
        cookie = SimpleCookie(headers.get("cookie", ""))
        morsel = cookie.get(COOKIE)
        return morsel is not None and hmac.compare_digest(morsel.value.encode(), self.cookie_value.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
        login = self._valid((query.get("token") or [None])[0])
        if is_protected(scope["path"]) and not login and not self._authenticated(Headers(scope=scope)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = error_response(
                401,
                "Authentication required: send `Authorization: Bearer <token>` or open a `?token=` link "
                "(the token is printed at start-up and kept in the data dir)",
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        if not login or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def set_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.cookie_value}; Path=/; HttpOnly; SameSite=Lax"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, set_cookie)
