"""The token API's bodies. A token's secret appears once, in the answer that creates it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from webapi.access.service import NAME_PATTERN
from webapi.core.api_time import ApiTime
from webapi.core.roles import Role
from webapi.core.timefmt import UtcTime


class WhoAmI(BaseModel):
    name: str = Field(
        description="The token's name; `(service token)` or `(local)` for the built-in callers."
    )
    role: Role


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN)
    role: Role
    expires_at: ApiTime | None = Field(None, description="Refused from this time on; none: never expires.")


class TokenInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: Role
    created_at: UtcTime
    expires_at: UtcTime | None
    last_used_at: UtcTime | None = Field(description="To the minute; null: never used.")


class TokenCreated(TokenInfo):
    token: str = Field(description="The secret: shown this once, the service keeps only its SHA-256.")
