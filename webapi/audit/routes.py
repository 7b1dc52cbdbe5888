"""`GET /api/audit` (admin): the recorded mutations, newest first, paged and filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from webapi.audit import service
from webapi.audit.schemas import AuditEvent, AuditPage
from webapi.core.api_time import ApiTime
from webapi.core.dependencies import SessionDep
from webapi.core.errors import ApiError
from webapi.core.timefmt import to_naive_utc

router = APIRouter(tags=["audit"])
MAX_BIGINT = 2**63 - 1
OUTCOME_PATTERN = r"^[1-5]([0-9]{2}|xx)$"


def _status_range(outcome: str | None) -> tuple[int | None, int | None]:
    """`403` is that status only, `4xx` the whole class."""
    if outcome is None:
        return None, None
    if outcome.endswith("xx"):
        first = int(outcome[0]) * 100
        return first, first + 99
    return int(outcome), int(outcome)


@router.get("/api/audit", response_model=AuditPage)
def audit(
    session: SessionDep,
    *,
    since: Annotated[ApiTime | None, Query(description="From this time (ISO 8601; naive means UTC).")] = None,
    until: Annotated[ApiTime | None, Query(description="Before this time.")] = None,
    # Not `token`: that query parameter is the login link's, removed before any route sees it.
    token_name: Annotated[
        str | None, Query(min_length=1, max_length=64, description="A token's name.")
    ] = None,
    method: Annotated[str | None, Query(pattern=r"^[A-Z]{1,16}$", description="POST, PUT, DELETE…")] = None,
    path: Annotated[
        str | None, Query(min_length=1, max_length=1000, description="Paths starting with this.")
    ] = None,
    outcome: Annotated[
        str | None, Query(pattern=OUTCOME_PATTERN, description="A status (`403`) or a class (`4xx`).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
) -> AuditPage:
    if since is not None and until is not None and to_naive_utc(since) >= to_naive_utc(until):
        raise ApiError(422, "`since` must be before `until`")
    status_from, status_to = _status_range(outcome)
    filters = service.AuditFilters(
        since=to_naive_utc(since) if since else None,
        until=to_naive_utc(until) if until else None,
        token_name=token_name,
        method=method,
        path_prefix=path,
        status_from=status_from,
        status_to=status_to,
    )
    rows, total = service.query(session, filters, limit, offset)
    return AuditPage(
        items=[AuditEvent.model_validate(row) for row in rows], total=total, limit=limit, offset=offset
    )
