"""`processing`: run a program on a node, argv list only, output to the job's logs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from webapi.core.domain_errors import ForbiddenError
from webapi.core.settings import Settings
from webapi.jobs.plugin_api import JobReader
from webapi.jobs.registry import TaskType
from webapi.jobs.tasks import processing_node


class ProcessingParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: list[str] = Field(
        min_length=1, description="Program and its arguments, run directly (never through a shell)."
    )
    timeout_s: float | None = Field(
        None, gt=0, le=86400, title="Timeout (s)", description="Kill the command after this long."
    )
    env: dict[str, str] = Field(default_factory=dict, description="Added to the node's environment.")
    stdin: str | None = Field(None, max_length=1_000_000, description="Text fed to the command.")


def _check(_params: ProcessingParams, _jobs: JobReader, settings: Settings) -> None:
    if not settings.allow_commands:
        raise ForbiddenError("processing jobs are switched off on this service (DISPYCLUSTER_ALLOW_COMMANDS)")


def _context(settings: Settings) -> dict[str, Any]:
    return {"allow_commands": settings.allow_commands, "output_limit": settings.job_output_limit}


TASK = TaskType(
    name="processing",
    description="Runs a program on a node; stdout and stderr go to the logs, the exit code decides.",
    parameters=ProcessingParams,
    node_function=processing_node.run,
    context=_context,
    check=_check,
)
