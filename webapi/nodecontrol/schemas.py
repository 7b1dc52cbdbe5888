"""The drain request body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from webapi.core.api_time import ApiTime


class DrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=200, description="Why, in words (shown with the node).")
    until: ApiTime | None = Field(
        None, description="The node takes jobs again by itself at this time; null: until resumed."
    )
