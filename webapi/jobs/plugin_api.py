"""The interface a task type's hooks get: narrow, read-only and versioned, a stable API for task types
shipped in other distributions.

Version 1 (`PLUGIN_API_VERSION`):
- `check(params, jobs: JobReader, settings) -> None` runs at submission; it refuses the job by raising
  `webapi.core.domain_errors.InvalidError` (422) or `ForbiddenError` (403), `fields` naming the
  parameters at fault.
- `split(params, jobs: JobReader) -> list[dict]` turns the parameters into the chunks sent to the nodes.
- `JobReader.job(job_id)` is the only read: another job as a `JobView` (id, type, status, result), or
  None when it does not exist.
A task type states the version it was written for (`TaskType.api_version`); the registry skips, with an
error in the log, a type that asks for a version this service does not offer. A new version only ever
adds; what a version offers does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from webapi.jobs.tables import Job

PLUGIN_API_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})


@dataclass(frozen=True)
class JobView:
    """Another job as a task type may see it."""

    id: int
    type: str
    status: str
    result: Any


class JobReader(Protocol):
    def job(self, job_id: int) -> JobView | None: ...


class SessionJobReader:
    """`JobReader` on the service's database session (the one the submission or the claim runs in)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def job(self, job_id: int) -> JobView | None:
        row = self._session.get(Job, job_id)
        if row is None:
            return None
        return JobView(id=row.id, type=row.type, status=str(row.status), result=row.result)
