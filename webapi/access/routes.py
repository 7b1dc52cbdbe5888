"""`/api/whoami` (any role) and `/api/tokens` (admin): who is calling, and the named tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from webapi.access import service
from webapi.access.schemas import TokenCreate, TokenCreated, TokenInfo, WhoAmI
from webapi.access.service import NAME_PATTERN
from webapi.core.auth import CALLER_KEY
from webapi.core.dependencies import SessionDep, TokenDirectoryDep
from webapi.core.errors import ApiError, ErrorResponse
from webapi.core.roles import Caller

router = APIRouter(tags=["access"])
TokenName = Annotated[str, Path(min_length=1, max_length=64, pattern=NAME_PATTERN)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such token"}}


@router.get("/api/whoami", response_model=WhoAmI)
def whoami(request: Request) -> WhoAmI:
    """The caller's name and role, for clients (the UI) that show only what the role may do."""
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or caller.role is None:  # the access middleware lets no such request through
        raise ApiError(401, "Authentication required")
    return WhoAmI(name=caller.name, role=caller.role)


@router.get("/api/tokens", response_model=list[TokenInfo])
def list_tokens(directory: TokenDirectoryDep, session: SessionDep) -> list[TokenInfo]:
    answer = []
    for row in service.list_tokens(session):
        info = TokenInfo.model_validate(row)
        recent = directory.last_used(row.name)
        if recent is not None and (info.last_used_at is None or recent > info.last_used_at):
            info.last_used_at = recent
        answer.append(info)
    return answer


@router.post(
    "/api/tokens",
    response_model=TokenCreated,
    status_code=201,
    responses={409: {"model": ErrorResponse, "description": "Name taken"}},
)
def create_token(directory: TokenDirectoryDep, session: SessionDep, body: TokenCreate) -> TokenCreated:
    created = service.create_token(session, body.name, body.role, body.expires_at)
    directory.invalidate()
    return TokenCreated.model_validate(
        {**TokenInfo.model_validate(created.row).model_dump(), "token": created.secret}
    )


@router.delete("/api/tokens/{name}", status_code=204, responses=NOT_FOUND)
def revoke_token(directory: TokenDirectoryDep, session: SessionDep, name: TokenName) -> Response:
    service.revoke_token(session, name)
    directory.invalidate()
    return Response(status_code=204)
