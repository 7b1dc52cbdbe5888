"""The Alertmanager webhook payload (version 4); fields we do not use are ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WebhookAlert(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(None, alias="endsAt")
    fingerprint: str = Field(min_length=1, max_length=128)
    generator_url: str | None = Field(None, alias="generatorURL")


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
