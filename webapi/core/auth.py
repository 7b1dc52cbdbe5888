"""Who may use the API: a token of the right role unless the request is from this machine only, and no
cross-site mutations.

Each route needs a role or nothing (`webapi.core.policy`, the one table); a path it does not know
needs a viewer under `/api/` and at `/ws`. The caller is the service token (`DISPYCLUSTER_API_TOKEN`
or the generated `api_token` file: admin), a named token (`webapi.access.service`: its own role), or,
when `webapi.core.exposure` says the request is local (loopback listener, loopback peer and `Host`, no
proxy) and no service token is configured, the local operator (admin). A token comes as
`Authorization: Bearer <token>`, or as the login cookie set by any request carrying a valid `?token=`
(the Jupyter way). No valid token where one is needed: 401; a role too low: 403 naming the role needed.

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
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote_plus

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi.core.errors import error_response
from webapi.core.exposure import Exposure
from webapi.core.policy import RoutePolicy
from webapi.core.private_files import private_dir, write_private
from webapi.core.roles import (
    ANONYMOUS_CALLER,
    INVALID_CALLER,
    LOCAL_CALLER,
    SERVICE_CALLER,
    Caller,
    Role,
)
from webapi.core.settings import MIN_TOKEN_LENGTH, Settings


class TokenFinder(Protocol):
    """The named tokens (`webapi.access.service.TokenDirectory`), as the access checks use them."""

    async def find(self, bearer: str | None, cookie: str | None) -> Caller | None: ...

    def cookie_for(self, secret: str) -> str | None: ...


COOKIE = "dispycluster_token"
TOKEN_FILE = "api_token"
# Where the audit trail and the routes find who sent the request (a `webapi.core.roles.Caller`).
CALLER_KEY = "dispycluster.caller"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenError(RuntimeError):
    """No usable token: the message says what to do."""


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def new_token() -> str:
    """A random token (256 bits) that does not start with "-": `--token -Xy…` reads to a command line
    (ours is argparse) as an option whose value is missing."""
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):
        token = secrets.token_urlsafe(32)
    return token


def load_or_create_token(settings: Settings) -> str:
    """The configured token, else the one kept in the data dir (generated there, 0600, on first use)."""
    if settings.api_token is not None:
        return settings.api_token.get_secret_value()
    path = token_path(settings)
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = new_token()
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


@dataclass(frozen=True, slots=True)
class Identity:
    caller: Caller
    by_bearer: bool = False  # a valid token in the `Authorization` header, which no browser adds by itself
    login_cookie: str | None = None  # the cookie a valid `?token=` link sets


_LOCAL = Identity(LOCAL_CALLER)
_ANONYMOUS = Identity(ANONYMOUS_CALLER)
_INVALID = Identity(INVALID_CALLER)


class AccessMiddleware:
    """Pure ASGI: who the caller is, same-origin mutations and `/ws`, the role each route needs
    (`webapi.core.policy`), and the `?token=` login. The caller goes on to the app and the audit trail
    in `scope[CALLER_KEY]`."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: Tokens,
        directory: TokenFinder,
        policy: RoutePolicy,
        exposure: Exposure | None = None,
    ) -> None:
        self.app = app
        self.settings = tokens.settings
        self.token = tokens.get
        self.directory = directory
        self.policy = policy
        self.exposure = exposure or Exposure(on_decided=_announce)
        # A configured token is required on loopback too (the operator asked for one).
        self.token_always = self.settings.api_token is not None
        self.origins = frozenset(origin.rstrip("/") for origin in self.settings.cors_origins if origin != "*")

    def _service_token(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token().encode())

    def _cookie_value(self) -> str:
        return hashlib.sha256(self.token().encode()).hexdigest()

    def _unnamed(self, scope: Scope, presented: bool) -> Identity:
        """No valid token: the local operator in loopback mode, else nobody."""
        if not self.token_always and self.exposure.local_only(scope):
            return _LOCAL
        return _INVALID if presented else _ANONYMOUS

    async def _identify(self, scope: Scope, login: str | None, headers: dict[bytes, str]) -> Identity:
        if login is not None:
            if self._service_token(login):
                return Identity(SERVICE_CALLER, login_cookie=self._cookie_value())
            caller = await self.directory.find(login, None)
            if caller is not None:
                return Identity(caller, login_cookie=self.directory.cookie_for(login))
        scheme, _, credentials = headers.get(b"authorization", "").partition(" ")
        bearer = credentials.strip() if scheme.lower() == "bearer" else None
        cookie = _login_cookie(headers.get(b"cookie"))
        if self._service_token(bearer):
            return Identity(SERVICE_CALLER, by_bearer=True)
        if cookie is not None and hmac.compare_digest(cookie.encode(), self._cookie_value().encode()):
            return Identity(SERVICE_CALLER)
        if bearer is not None and (caller := await self.directory.find(bearer, None)) is not None:
            return Identity(caller, by_bearer=True)
        if cookie is not None and (caller := await self.directory.find(None, cookie)) is not None:
            return Identity(caller)
        return self._unnamed(
            scope, presented=login is not None or b"authorization" in headers or cookie is not None
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

    def _refusal(self, scope: Scope, method: str, identity: Identity) -> tuple[int, str] | None:
        """Why the request may not go on (status and message), or None."""
        # A page elsewhere can ride on what the browser adds by itself (the cookie, a loopback
        # address), never on a bearer token it would have to know: such a request passes.
        mutating = method == "WS" or method not in SAFE_METHODS
        if mutating and not identity.by_bearer and not self._origin_allowed(scope):
            return 403, _cross_origin_message(self.settings)
        need = self.policy.resolve(method, scope["path"]).need
        if not isinstance(need, Role):  # a public route
            return None
        caller = identity.caller
        if caller.role is None:
            return 401, _LOGIN_MESSAGE
        if not caller.may(need):
            return 403, _role_message(method, scope["path"], need, caller)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = "WS" if kind == "websocket" else scope["method"]
        login = None
        if b"token=" in scope.get("query_string", b""):
            login, scope["query_string"] = _pop_token(scope["query_string"])
        headers = _header_values(scope, (b"authorization", b"cookie"))
        try:
            # Without any credential (the common case) nothing needs looking up.
            identity = (
                await self._identify(scope, login, headers)
                if login is not None or headers
                else self._unnamed(scope, presented=False)
            )
        except TokenError as error:
            await self._refuse(scope, receive, send, 503, f"The API is unavailable: {error}")
            return
        except SQLAlchemyError:
            await self._refuse(scope, receive, send, 503, "The API is unavailable: cannot read the tokens")
            return
        scope[CALLER_KEY] = identity.caller
        refusal = self._refusal(scope, method, identity)
        if refusal is not None:
            status, message = refusal
            challenge = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            await self._refuse(scope, receive, send, status, message, headers=challenge)
            return
        if identity.login_cookie is None or kind != "http":
            await self.app(scope, receive, send)
            return
        cookie = f"{COOKIE}={identity.login_cookie}; Path=/; HttpOnly; SameSite=Strict"
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


def _login_cookie(header: str | None) -> str | None:
    if not header:
        return None
    try:
        morsel = SimpleCookie(header).get(COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel is not None else None


def _role_message(method: str, path: str, need: Role, caller: Caller) -> str:
    return (
        f"Forbidden: {method} {path} needs the {need.value} role; the token {caller.name!r} has the "
        f"{caller.role.value if caller.role else 'no'} role (an admin can give a token of the right role: "
        "dispycluster token create --name NAME --role ROLE)"
    )


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
