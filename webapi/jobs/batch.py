"""Batches: many jobs in one request, created together or not at all.

`{"jobs": [spec, …]}` creates the given jobs; `{"template": spec, "each_node": true}` creates one job
per inventory node the template's placement allows, each pinned to its node ("run this on every Pi").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from webapi.core.domain_errors import DomainError, FieldProblem, InvalidError
from webapi.jobs import placement_spec
from webapi.jobs.intake import Spec, combined, prepare, relocated
from webapi.jobs.registry import Registry
from webapi.jobs.schemas import JobCreate, JobDetail

BATCH_MAX = 10_000


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs: list[JobCreate] | None = Field(
        None, min_length=1, max_length=BATCH_MAX, description=f"1 to {BATCH_MAX} jobs, all created or none."
    )
    template: JobCreate | None = Field(None, description="With each_node: the job to create on every node.")
    each_node: bool = Field(
        False, description="One job per inventory node matching the template's placement, pinned to it."
    )

    @model_validator(mode="after")
    def _one_form(self) -> BatchCreate:
        if self.jobs is not None and (self.template is not None or self.each_node):
            raise ValueError("give either jobs, or template with each_node: true, not both")
        if self.jobs is None and (self.template is None or not self.each_node):
            raise ValueError("give jobs: [...], or template: {...} with each_node: true")
        return self


class BatchResult(BaseModel):
    items: list[JobDetail]


def fan_out(session: Session, template: JobCreate) -> list[JobCreate]:
    """The template once per inventory node its placement allows, each pinned to that node."""
    inventory = placement_spec.inventory_labels(session)
    placement = template.placement or placement_spec.Placement()
    placement_spec.check_nodes(placement, inventory, "body.template.placement")
    nodes = placement_spec.matching_nodes(placement, inventory)
    if not nodes:
        message = (
            f"No inventory node matches the template's placement ({len(inventory)} nodes in the inventory)"
        )
        raise InvalidError(message, [FieldProblem("body.template.placement", message)])
    return [
        template.model_copy(update={"placement": placement.model_copy(update={"nodes": [node]})})
        for node in nodes
    ]


def specs(session: Session, registry: Registry, body: BatchCreate) -> list[Spec]:
    """Every job of the batch with its type and validated parameters; one error naming every bad item."""
    if body.jobs is not None:
        items = [(job, f"body.jobs.{index}") for index, job in enumerate(body.jobs)]
    else:
        assert body.template is not None  # the model's validator
        items = [(job, "body.template") for job in fan_out(session, body.template)]
    prepared, errors = [], []
    for job, loc in items:
        try:
            task, params = prepare(registry, job)
        except DomainError as exc:
            errors.append(relocated(exc, loc))
            continue
        prepared.append(Spec(task, params, job, loc))
    if errors:
        raise combined(errors)
    return prepared
