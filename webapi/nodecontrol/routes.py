"""`POST /api/cluster/nodes/{name}/drain` and `/resume`: no new job starts on a drained node (its
running jobs finish); both answer the node summary with `schedulable` and `unschedulable_reason`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from webapi.cluster import nodes
from webapi.cluster.schemas import NodeSummary
from webapi.core.dependencies import RuntimeDep, SessionDep
from webapi.core.errors import ErrorResponse
from webapi.core.runtime import Runtime
from webapi.inventory import store as inventory
from webapi.nodecontrol import service
from webapi.nodecontrol.schemas import DrainRequest

router = APIRouter(prefix="/api/cluster", tags=["cluster"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Unknown node"}}
NodeName = Annotated[str, Path(max_length=128, description="Inventory name of the node")]


def _answer(runtime: Runtime, session: SessionDep, name: str) -> NodeSummary:
    if runtime.jobs is not None:
        runtime.jobs.refresh_nodes()  # the answer says what the dispatcher does from now on
    return nodes.summary(runtime, inventory.require_node(session, name), runtime.clock())


@router.post("/nodes/{node_name}/drain", response_model=NodeSummary, responses=NOT_FOUND)
def drain_node(
    runtime: RuntimeDep,
    session: SessionDep,
    node_name: NodeName,
    body: Annotated[DrainRequest | None, Body()] = None,
) -> NodeSummary:
    """No new job starts on the node until it is resumed (or `until`); its running jobs finish."""
    inventory.require_node(session, node_name)
    service.drain(session, node_name, body or DrainRequest(reason=None, until=None))
    return _answer(runtime, session, node_name)


@router.post("/nodes/{node_name}/resume", response_model=NodeSummary, responses=NOT_FOUND)
def resume_node(runtime: RuntimeDep, session: SessionDep, node_name: NodeName) -> NodeSummary:
    """The node takes new jobs again (unless a guard keeps them off it)."""
    inventory.require_node(session, node_name)
    service.resume(session, node_name)
    return _answer(runtime, session, node_name)
