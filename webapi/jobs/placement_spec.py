"""The job spec's `placement` and its check against the inventory: which inventory nodes a job may run on.

`{"nodes": [names], "labels": {key: value}}`: any of the nodes (none listed: any node) whose inventory
labels include all the given ones. A name not in the inventory is a 422. Only the spec and its check
against the inventory live here; running a job on its node is the dispatcher's part
(`webapi.jobs.dispatch.placement`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapi.core.domain_errors import FieldProblem, InvalidError
from webapi.inventory.schemas import NodeName
from webapi.inventory.tables import NodeRow
from webapi.jobs.labels import Labels

MAX_NODES = 256


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nodes: list[NodeName] = Field(
        default_factory=list, max_length=MAX_NODES, description="Any of these inventory nodes (empty: any)."
    )
    labels: Labels = Field(default_factory=dict, description="Inventory labels the node must all carry.")


def inventory_labels(session: Session) -> dict[str, dict[str, str]]:
    """Each inventory node's labels, by name (nodes removed from the inventory left out)."""
    rows = session.execute(select(NodeRow.name, NodeRow.labels).where(NodeRow.removed.is_(False)))
    return {name: {key: str(value) for key, value in (labels or {}).items()} for name, labels in rows}


def check_nodes(placement: Placement, inventory: Mapping[str, object], loc: str) -> None:
    """`InvalidError` naming each node of `placement` the inventory does not have (`loc`: the placement's
    place)."""
    fields = [
        FieldProblem(f"{loc}.nodes.{index}", f"Unknown node {name!r}: not in the inventory")
        for index, name in enumerate(placement.nodes)
        if name not in inventory
    ]
    if fields:
        raise InvalidError(f"Unknown node in placement: {fields[0].message}", fields)


def matching_nodes(placement: Placement | None, inventory: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The inventory nodes `placement` allows, by name."""
    names: Sequence[str] = sorted(inventory) if placement is None or not placement.nodes else placement.nodes
    wanted = placement.labels.items() if placement is not None else ()
    return [
        name
        for name in dict.fromkeys(names)
        if name in inventory and all(inventory[name].get(key) == value for key, value in wanted)
    ]
