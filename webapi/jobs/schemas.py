"""The job API's request and response bodies. Times are UTC, rendered ISO-8601 with a Z."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from webapi.core.api_time import ApiTime
from webapi.core.timefmt import UtcTime
from webapi.jobs.labels import Labels
from webapi.jobs.placement_spec import Placement
from webapi.jobs.states import JobStatus

# The validation context key of the function that gives a queued job's waiting reason (see JobSummary).
WAITING_REASON = "waiting_reason"


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=64, description="A name from GET /api/jobs/types.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Checked against the type's schema.")
    priority: int = Field(5, ge=1, le=10, description="Higher runs first; equal priorities run in order.")
    scheduled_at: ApiTime | None = Field(None, description="Not dispatched before this time.")
    timeout_s: float | None = Field(None, gt=0, le=7 * 86400, description="Stopped on its node after this.")
    max_retries: int = Field(
        1, ge=0, le=10, description="Automatic new attempts after failed/timed_out/lost."
    )
    labels: Labels = Field(default_factory=dict)
    placement: Placement | None = Field(None, description="Where the job may run (null: any node).")


class JobChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    priority: int | None = Field(None, ge=1, le=10)
    scheduled_at: ApiTime | None = None


class JobSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    type: str
    status: JobStatus
    priority: int
    created_at: UtcTime
    scheduled_at: UtcTime | None
    started_at: UtcTime | None
    finished_at: UtcTime | None
    node: str | None
    attempts: int
    max_retries: int
    timeout_s: float | None
    progress: float
    progress_message: str | None
    cancel_requested: bool
    labels: dict[str, str]
    placement: dict[str, Any] | None = Field(
        None, description='{"nodes": [...], "labels": {...}}; null: any node.'
    )
    waiting_reason: str | None = Field(
        None,
        description="Why the queued job cannot start on any node now (drained, guard, no match); else null.",
    )
    peak_temperature_celsius: float | None = Field(
        None, description="Hottest temperature its node(s) reported during the run; null when unknown."
    )
    throttled: bool | None = Field(
        None, description="Whether its node throttled during the run (Raspberry Pi); null when unknown."
    )

    @model_validator(mode="after")
    def _waiting(self, info: ValidationInfo) -> JobSummary:
        reason_of = (info.context or {}).get(WAITING_REASON)
        if reason_of is not None and self.status == JobStatus.QUEUED:
            self.waiting_reason = reason_of(self.placement, self.scheduled_at)
        return self


class JobDetail(JobSummary):
    parameters: dict[str, Any]
    result: Any | None
    error: str | None
    queue_position: int | None = Field(
        None,
        description="GET /api/jobs/{id} only: 1 when a queued, due job is claimed next, 2 after that one…; "
        "null otherwise.",
    )


class JobPage(BaseModel):
    items: list[JobSummary]
    total: int
    limit: int
    offset: int


class LogLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcTime
    stream: str
    text: str
    attempt: int = Field(description="The attempt of the job that wrote it (0: not recorded).")


class LogPage(BaseModel):
    items: list[LogLine]
    next_since: int = Field(description="Pass as ?since= to get only newer lines.")


class TaskTypeInfo(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any] = Field(description="JSON Schema of the type's parameters.")
