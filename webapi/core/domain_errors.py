"""What the stores, services and task types raise when they refuse something: plain exceptions, with no
HTTP in them. `webapi.core.errors` maps each kind to its HTTP answer in one place.

`fields` names the inputs at fault, each as a dotted location (`body.parameters.source_job_id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple


class FieldProblem(NamedTuple):
    loc: str
    message: str


def validation_problems(
    errors: Iterable[Mapping[str, Any]], prefix: Sequence[str] = ()
) -> list[FieldProblem]:
    """Pydantic's validation errors as field problems, each location under `prefix`."""
    return [
        FieldProblem(".".join(map(str, (*prefix, *err.get("loc", ())))), err.get("msg", "invalid"))
        for err in errors
    ]


class DomainError(Exception):
    def __init__(self, message: str, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class NotFoundError(DomainError):
    """The thing asked for does not exist (a node, a job)."""


class ConflictError(DomainError):
    """The request contradicts the current state (a name taken, a job no longer queued)."""


class GoneError(DomainError):
    """The thing asked for existed and has been deleted since (the job an idempotency key created)."""


class InvalidError(DomainError):
    """The request's content is wrong (an unknown type, parameters that do not fit)."""


class ForbiddenError(DomainError):
    """The operator's settings do not allow this (processing jobs switched off)."""


class UnavailableError(DomainError):
    """A part the request needs is not there right now."""


class UpstreamError(DomainError):
    """A service the request relies on (Prometheus) failed to answer."""
