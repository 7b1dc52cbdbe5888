"""`POST /api/cluster/nodes/{name}/drain` and `/resume`: no new job starts on a drained node (its
running jobs finish); both answer the node summary with `schedulable` and `unschedulable_reason`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from webapi.deps import RuntimeDep, SessionDep
from webapi.errors import ErrorResponse
from webapi.inventory import store as inventory
from webapi.nodecontrol import service
from webapi.nodecontrol.schemas import DrainRequest
from webapi.runtime import Runtime
from webapi.schemas.cluster import NodeSummary
from webapi.services import cluster, nodes

router = APIRouter(prefix="/api/cluster", tags=["cluster"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Unknown node"}}
NodeName = Annotated[str, Path(max_length=128, description="Inventory name of the node")]


def _answer(runtime: Runtime, session: SessionDep, name: str) -> NodeSummary:
    if runtime.extensions.refresh_schedule is not None:
        runtime.extensions.refresh_schedule()  # the answer says what the dispatcher does from now on
    return nodes.summary(runtime, inventory.require_node(session, name), cluster.now(runtime))


@router.post("/nodes/{node_name}/drain", response_model=NodeSummary, responses=NOT_FOUND)
def drain_node(
    runtime: RuntimeDep,
    session: SessionDep,
    node_name: NodeName,
    body: Annotated[DrainRequest | None, Body()] = None,
) -> NodeSummary:
    """No new job starts on the node until it is resumed (or `until`); its running jobs finish."""
    inventory.require_node(session, node_name)
    service.drain(session, node_name, body or DrainRequest())
    return _answer(runtime, session, node_name)


@router.post("/nodes/{node_name}/resume", response_model=NodeSummary, responses=NOT_FOUND)
def resume_node(runtime: RuntimeDep, session: SessionDep, node_name: NodeName) -> NodeSummary:
    """The node takes new jobs again (unless a guard keeps them off it)."""
    inventory.require_node(session, node_name)
    service.resume(session, node_name)
    return _answer(runtime, session, node_name)
