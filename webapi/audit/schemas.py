"""The audit API's answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from webapi.core.timefmt import UtcTime


class AuditEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcTime
    token_name: str = Field(
        description="The token's name; `(service token)`, `(local)` (loopback mode), `(anonymous)` (no "
        "token) or `(invalid token)`."
    )
    role: str | None = Field(description="The caller's role; null when it had none (no or a bad token).")
    method: str
    path: str
    target: str | None = Field(description="What it acted on, from the path or the new resource: `job_id=5`.")
    status: int | None = Field(description="The answer's status code; null when the client left first.")
    client: str | None = Field(description="The peer address (a proxy's, behind one).")


class AuditPage(BaseModel):
    items: list[AuditEvent]
    total: int
    limit: int
    offset: int
