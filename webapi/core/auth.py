"""Who may use the API: a token unless the request is from this machine only, and no cross-site mutations.

Protected: every `/api/...` path except `/api/health`, and the live feed `/ws`. No token is needed only
when `webapi.core.exposure` says the request is local (loopback listener, loopback peer and `Host`, no proxy)
and no token is configured; anything else needs `Authorization: Bearer <token>`, or the login cookie set
by any request carrying a valid `?token=` (the Jupyter way). `/metrics` stays open.

In both modes every mutation (a method other than GET/HEAD/OPTIONS) and every `/ws` handshake from a
browser must come from the service's own origin or a configured CORS origin, unless it carries the
token as a bearer header: a page elsewhere (Grafana on another port included) cannot drive the API with
the cookie or with the open loopback mode. The `?token=` parameter is removed from
the request before anything else sees it, so it never reaches the access log.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.core.errors import error_response
from webapi.core.exposure import Exposure
from webapi.core.private_files import private_dir, write_private
from webapi.core.settings import MIN_TOKEN_LENGTH, Settings

COOKIE = "dispycluster_token"
TOKEN_FILE = "api_token"
OPEN_PATHS = frozenset({"/api/health"})
# The live feed carries the same data as the API.
PROTECTED_PATHS = frozenset({"/ws"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenError(RuntimeError):
    """No usable token: the message says what to do."""


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def load_or_create_token(settings: Settings) -> str:
    """The configured token, else the one kept in the data dir (generated there, 0600, on first use)."""
    if settings.api_token is not None:
        return settings.api_token.get_secret_value()
    path = token_path(settings)
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = secrets.token_urlsafe(32)
        try:
            private_dir(path.parent, ours=True)
            write_private(path, token + "\n")
        except OSError as error:
            raise TokenError(f"cannot write the API token to {path}: {error}") from None
        return token
    except OSError as error:
        raise TokenError(f"cannot read the API token from {path}: {error}") from None
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(
            f"the API token in {path} is blank or shorter than {MIN_TOKEN_LENGTH} characters: delete the "
            "file to have a new one generated, or write a longer token into it"
        )
    os.chmod(path, 0o600)
    return token


class Tokens:
    """The API token, loaded (or generated) once, on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._token: str | None = None

    def get(self) -> str:
        if self._token is None:
            self._token = load_or_create_token(self.settings)
        return self._token


def is_protected(path: str) -> bool:
    return (path.startswith("/api/") and path not in OPEN_PATHS) or path in PROTECTED_PATHS


def _pop_token(query: bytes) -> tuple[str | None, bytes]:
    """The `token` parameter's value and the query string without it."""
    found: str | None = None
    kept = []
    for part in query.split(b"&"):
        if part.startswith(b"token="):
            found = unquote_plus(part[6:].decode("latin-1"))
        elif part:
            kept.append(part)
    return found, b"&".join(kept)


def _header_values(scope: Scope, names: Iterable[bytes]) -> dict[bytes, str]:
    wanted = set(names)
    return {name: value.decode("latin-1") for name, value in scope["headers"] if name in wanted}


class AccessMiddleware:
    """Pure ASGI: token (unless local), same-origin mutations and `/ws`, and the `?token=` login."""

    def __init__(self, app: ASGIApp, tokens: Tokens, exposure: Exposure | None = None) -> None:
        self.app = app
        self.settings = tokens.settings
        self.token = tokens.get
        self.exposure = exposure or Exposure(on_decided=_announce)
        # A configured token is required on loopback too (the operator asked for one).
        self.token_always = self.settings.api_token is not None
        self.origins = frozenset(origin.rstrip("/") for origin in self.settings.cors_origins if origin != "*")

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token().encode())

    def _cookie_value(self) -> str:
        return hashlib.sha256(self.token().encode()).hexdigest()

    def _bearer(self, headers: dict[bytes, str]) -> bool:
        scheme, _, credentials = headers.get(b"authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self._valid(credentials.strip())

    def _authenticated(self, scope: Scope) -> bool:
        headers = _header_values(scope, (b"authorization", b"cookie"))
        if self._bearer(headers):
            return True
        try:
            morsel = SimpleCookie(headers.get(b"cookie", "")).get(COOKIE)
        except CookieError:
            return False
        return morsel is not None and hmac.compare_digest(
            morsel.value.encode(), self._cookie_value().encode()
        )

    def _origin_allowed(self, scope: Scope) -> bool:
        headers = _header_values(scope, (b"origin", b"host"))
        origin = headers.get(b"origin")
        if origin is None:  # not a browser, or a same-origin GET
            return True
        origin = origin.rstrip("/")
        if origin in self.origins:
            return True
        _scheme, separator, netloc = origin.partition("://")
        host = headers.get(b"host", "")
        return bool(separator and host) and netloc.lower() == host.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        login = False
        try:
            if b"token=" in scope.get("query_string", b""):
                candidate, scope["query_string"] = _pop_token(scope["query_string"])
                login = self._valid(candidate)
            mutating = kind == "websocket" or scope["method"] not in SAFE_METHODS
            # A page elsewhere can ride on what the browser adds by itself (the cookie, a loopback
            # address), never on a bearer token it would have to know: such a request passes.
            if (
                mutating
                and not self._origin_allowed(scope)
                and not self._bearer(_header_values(scope, (b"authorization",)))
            ):
                await self._refuse(scope, receive, send, 403, _cross_origin_message(self.settings))
                return
            if (
                is_protected(scope["path"])
                and not login
                and (self.token_always or not self.exposure.local_only(scope))
                and not self._authenticated(scope)
            ):
                await self._refuse(
                    scope, receive, send, 401, _LOGIN_MESSAGE, headers={"WWW-Authenticate": "Bearer"}
                )
                return
        except TokenError as error:
            await self._refuse(scope, receive, send, 503, f"The API is unavailable: {error}")
            return
        if not login or kind != "http":
            await self.app(scope, receive, send)
            return
        cookie = f"{COOKIE}={self._cookie_value()}; Path=/; HttpOnly; SameSite=Strict"
        if scope.get("scheme") == "https":  # served over TLS: the browser never sends it over plain HTTP
            cookie += "; Secure"

        async def set_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, set_cookie)

    @staticmethod
    async def _refuse(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await error_response(status, message, headers=headers)(scope, receive, send)


_LOGIN_MESSAGE = (
    "Authentication required: send `Authorization: Bearer <token>` or open a `?token=` link once (the "
    "token is in the service's data dir, file `api_token`, unless DISPYCLUSTER_API_TOKEN is set)"
)


def _cross_origin_message(settings: Settings) -> str:
    return (
        "Cross-origin request refused: its Origin is neither this service's own nor one of "
        "DISPYCLUSTER_CORS_ORIGINS"
        + (f" ({', '.join(settings.cors_origins)})" if settings.cors_origins else "")
    )


def _announce(port: int, addresses: list[str], local: bool) -> None:
    where = ", ".join(addresses) or "no socket this process could inspect"
    mode = "no token needed from this machine" if local else "the API token is required"
    print(f"DispyCluster: port {port} listens on {where}: {mode}", file=sys.stderr, flush=True)
