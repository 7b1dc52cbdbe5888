"""`Idempotency-Key` on job submissions: a client that retries a POST after a timeout gets the job it
created the first time instead of a second one.

A key belongs to the caller (the credential it presented) and remembers a hash of what was asked: the
endpoint and the validated body in canonical JSON, so that key order, spacing and spelled-out defaults
do not make another request. The same key with another request is a 409. Keys are kept at least
`DISPYCLUSTER_IDEMPOTENCY_KEY_HOURS` (24 h by default), then purged with the finished jobs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import Annotated, Any, cast

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import Table, delete, insert
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from webapi.core.auth import COOKIE
from webapi.core.domain_errors import ConflictError
from webapi.jobs.tables import IDEMPOTENCY_KEY_MAX as KEY_MAX
from webapi.jobs.tables import IdempotencyKey

HEADER = "Idempotency-Key"
KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=KEY_MAX,
        pattern=r"^[A-Za-z0-9_.:~+/=-]+$",
        description=(
            f"A retry with the same key and body answers the job(s) created the first time (200); the same "
            f"key with another body is a 409. 1 to {KEY_MAX} characters from letters, digits and -_.:~+/= "
            "(a UUID is a good key); kept DISPYCLUSTER_IDEMPOTENCY_KEY_HOURS (24 h)."
        ),
    ),
]
LOCAL_CALLER = "local"


_TABLE = cast(Table, IdempotencyKey.__table__)
_INSERT = insert(_TABLE)


@dataclass(frozen=True)
class Claim:
    """What a keyed submission asks the intake to check and remember."""

    scope: str
    key: str
    request_hash: str


def caller_scope(headers: Headers) -> str:
    """Who is asking, without keeping the credential: a bearer token and the login cookie it sets are the
    same caller (the cookie holds the token's SHA-256); without either, the local caller."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return hashlib.sha256(credentials.strip().encode()).hexdigest()
    try:
        morsel = SimpleCookie(headers.get("cookie", "")).get(COOKIE)
    except CookieError:
        morsel = None
    if morsel is not None and re.fullmatch(r"[0-9a-f]{64}", morsel.value):
        return morsel.value
    return LOCAL_CALLER


def request_hash(endpoint: str, body: BaseModel) -> str:
    canonical = json.dumps(
        {"endpoint": endpoint, "body": body.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(key: str | None, headers: Headers, endpoint: str, body: BaseModel) -> Claim | None:
    """The request's claim (None without a key)."""
    return None if key is None else Claim(caller_scope(headers), key, request_hash(endpoint, body))


def recorded(session: Session, wanted: Claim) -> list[int] | None:
    """The ids of the jobs created under this key, None if the key is new; `ConflictError` when the key
    was used for another request."""
    row = session.get(IdempotencyKey, (wanted.scope, wanted.key))
    if row is None:
        return None
    if row.request_hash != wanted.request_hash:
        raise ConflictError(
            f"{HEADER} {wanted.key!r} was already used for another request (another body or endpoint); "
            "use a new key for a new request",
        )
    return list(row.job_ids)


def remember(session: Session, claims: list[tuple[Claim, list[int]]], now: datetime) -> None:
    """Records the claims with their jobs' ids (in the transaction that created the jobs)."""
    if claims:
        rows: list[dict[str, Any]] = [
            {
                "scope": c.scope,
                "key": c.key,
                "request_hash": c.request_hash,
                "job_ids": ids,
                "created_at": now,
            }
            for c, ids in claims
        ]
        session.connection().execute(_INSERT, rows)


def purge(session: Session, before: datetime) -> int:
    """Deletes the keys recorded before `before`; how many."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
