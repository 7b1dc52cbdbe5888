"""The Alertmanager webhook payload (version 4); fields we do not use are ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from webapi.core.api_time import ApiTime

# Alertmanager's "no end yet": Go's zero time.
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: ApiTime = Field(alias="startsAt")
    ends_at: ApiTime | None = Field(None, alias="endsAt")
    fingerprint: str = Field(min_length=1, max_length=128)
    generator_url: str | None = Field(None, alias="generatorURL")

    @field_validator("ends_at", mode="before")
    @classmethod
    def _no_end(cls, value: object) -> object:
        return None if value == GO_ZERO_TIME else value


class WebhookPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[WebhookAlert] = Field(max_length=10000)
    truncated_alerts: int = Field(0, alias="truncatedAlerts")


class WebhookOutcome(BaseModel):
    received: int
    created: int
    updated: int
    unchanged: int
