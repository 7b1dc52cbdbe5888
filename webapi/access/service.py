"""Named API tokens: create (the secret is shown once), list, revoke, and find the token of a request.

A token is `dc_` and 32 random bytes (URL-safe base64); the database keeps only its SHA-256. A fast hash
is the right one here, not bcrypt or argon2: those slow down guessing of low-entropy passwords, but
nobody can guess 256 random bits at any hash speed, and a slow hash would cost every API request ~100 ms
of CPU. Candidates are compared with `hmac.compare_digest` against every stored digest (a handful).

The running service reads the table into a snapshot (`TokenDirectory`), refreshed every second and on
an unknown token at most ten times a second, so `dispycluster token create/revoke` run beside it take
effect within a second. Last use is kept in memory and written at most once a minute per token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from webapi.access.tables import TokenRow
from webapi.core.background import in_thread_logged, stop_task
from webapi.core.domain_errors import ConflictError, InvalidError, NotFoundError
from webapi.core.health import PartHealth
from webapi.core.roles import Caller, Role
from webapi.core.timefmt import naive_utc_now, to_naive_utc

log = logging.getLogger(__name__)

TOKEN_PREFIX = "dc_"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_DURATION = re.compile(r"^(\d{1,5})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
REFRESH_S = 1.0
MISS_REFRESH_S = 0.1
LAST_USE_WRITE_S = 60.0


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidError(
            "A token name is 1 to 64 letters, digits, `_`, `.`, `@` or `-`, starting with a letter or digit"
        )
    return name


def parse_expiry(text: str, now: datetime) -> datetime:
    """`30d`, `12h`, `90m`, `2w` from now, or an ISO 8601 time (naive means UTC)."""
    duration = _DURATION.match(text.strip())
    if duration:
        return now + timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))})
    try:
        moment = to_naive_utc(datetime.fromisoformat(text.strip()))
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is neither a duration (30d, 12h, 90m, 2w) nor an ISO 8601 time") from None
    if moment <= now:
        raise ValueError(f"{text!r} is in the past")
    return moment


@dataclass(frozen=True)
class Created:
    row: TokenRow
    secret: str


def create_token(session: Session, name: str, role: Role, expires_at: datetime | None = None) -> Created:
    check_name(name)
    now = naive_utc_now()
    if expires_at is not None and to_naive_utc(expires_at) <= now:
        raise InvalidError("The expiry time is in the past")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = TokenRow(
        name=name,
        role=role.value,
        secret_sha256=digest(secret),
        created_at=now,
        expires_at=to_naive_utc(expires_at) if expires_at else None,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"A token named {name!r} exists already (revoke it first)") from None
    return Created(row, secret)


def list_tokens(session: Session) -> list[TokenRow]:
    return list(session.scalars(select(TokenRow).order_by(TokenRow.name)))


def revoke_token(session: Session, name: str) -> None:
    row = session.scalar(select(TokenRow).where(TokenRow.name == name))
    if row is None:
        raise NotFoundError(f"No token named {name!r}")
    session.delete(row)
    session.commit()


@dataclass(frozen=True, slots=True)
class KnownToken:
    name: str
    role: Role
    secret_sha256: str
    cookie: str
    expires_at: datetime | None


def cookie_value(cookie_key: str, secret_sha256: str) -> str:
    """The login cookie of a named token: keyed by the service token, so the table alone cannot forge it."""
    return hmac.new(cookie_key.encode(), secret_sha256.encode(), hashlib.sha256).hexdigest()


class TokenDirectory:
    """The named tokens as the running service sees them; also a background service writing last use."""

    name = "tokens"

    def __init__(self, sessions: Callable[[], Session], cookie_key: Callable[[], str]) -> None:
        self._sessions = sessions
        self._cookie_key = cookie_key
        self._known: list[KnownToken] | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()
        self._used: dict[str, datetime] = {}
        self._written: dict[str, datetime] = {}
        self._written_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _load(self) -> list[KnownToken]:
        key = self._cookie_key()
        with self._sessions() as session:
            return [
                KnownToken(
                    name=row.name,
                    role=Role(row.role),
                    secret_sha256=row.secret_sha256,
                    cookie=cookie_value(key, row.secret_sha256),
                    expires_at=row.expires_at,
                )
                for row in list_tokens(session)
            ]

    async def _refresh(self, older_than: float) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at < older_than:
                return
            try:
                self._known = await asyncio.to_thread(self._load)
            except SQLAlchemyError as error:
                if self._known is None:
                    raise
                log.warning("could not re-read the API tokens, using the last list: %s", error)
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = 0.0

    def _search(self, bearer_sha256: str | None, cookie: str | None) -> KnownToken | None:
        found = None
        for token in self._known or ():
            # Every token is compared, in constant time each: the search takes as long whichever matches.
            by_bearer = bearer_sha256 is not None and hmac.compare_digest(token.secret_sha256, bearer_sha256)
            by_cookie = cookie is not None and hmac.compare_digest(token.cookie, cookie)
            if by_bearer or by_cookie:
                found = token
        return found

    async def find(self, bearer: str | None, cookie: str | None) -> Caller | None:
        """The caller a bearer token or login cookie names, None when neither is a valid token."""
        bearer_sha256 = digest(bearer) if bearer is not None else None
        await self._refresh(REFRESH_S)
        token = self._search(bearer_sha256, cookie)
        if token is None:
            await self._refresh(MISS_REFRESH_S)
            token = self._search(bearer_sha256, cookie)
        now = naive_utc_now()
        if token is None or (token.expires_at is not None and token.expires_at <= now):
            return None
        self._used[token.name] = now
        return Caller(token.name, token.role)

    def cookie_for(self, secret: str) -> str | None:
        """The login cookie for a named token's secret (for a `?token=` link), None if it is unknown."""
        wanted = digest(secret)
        for token in self._known or ():
            if hmac.compare_digest(token.secret_sha256, wanted):
                return token.cookie
        return None

    def last_used(self, name: str) -> datetime | None:
        return self._used.get(name)

    def write_last_use(self, force: bool = False) -> None:
        """One UPDATE per token used since its last write, at most once a minute per token."""
        now = time.monotonic()
        due = {
            name: moment
            for name, moment in self._used.items()
            if self._written.get(name) != moment
            and (force or now - self._written_at.get(name, -LAST_USE_WRITE_S) >= LAST_USE_WRITE_S)
        }
        if not due:
            return
        with self._sessions() as session:
            for name, moment in due.items():
                session.execute(update(TokenRow).where(TokenRow.name == name).values(last_used_at=moment))
            session.commit()
        self._written.update(due)
        self._written_at.update(dict.fromkeys(due, now))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(LAST_USE_WRITE_S / 4)
            await in_thread_logged(self.write_last_use, log, "could not record the tokens' last use")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="token-last-use")

    async def stop(self) -> None:
        await stop_task(self._task)
        await in_thread_logged(
            lambda: self.write_last_use(force=True), log, "could not record the tokens' last use"
        )

    async def probe(self) -> PartHealth | None:
        """No part of its own in the overview: a failed last-use write is logged and tried again."""
        return None
