"""`/api/cluster`: overview, health, nodes and the inventory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from webapi.cluster import nodes
from webapi.cluster import service as cluster
from webapi.cluster.schemas import ClusterHealth, HttpSdGroup, NodeDetail, NodeSummary, Overview
from webapi.core.dependencies import RuntimeDep, SessionDep
from webapi.core.errors import ErrorResponse
from webapi.core.runtime import Runtime
from webapi.inventory import store as inventory
from webapi.inventory.schemas import NodeChange, NodeSpec

router = APIRouter(prefix="/api/cluster", tags=["cluster"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Unknown node"}}
NodeName = Annotated[str, Path(description="Inventory name of the node")]


def _inventory_changed(runtime: Runtime) -> None:
    """Placement sees the node's labels (and a new node) at once, not at the next periodic look."""
    if runtime.jobs is not None:
        runtime.jobs.refresh_nodes()


@router.get("/overview", response_model=Overview)
async def overview(runtime: RuntimeDep) -> Overview:
    """Overall status, node counts, averages, alerts, jobs and every part of the service, probed now."""
    return await cluster.overview(runtime)


@router.get("/health", response_model=ClusterHealth)
async def health(runtime: RuntimeDep) -> ClusterHealth:
    return await cluster.health(runtime)


@router.get("/nodes", response_model=list[NodeSummary])
def list_nodes(runtime: RuntimeDep, session: SessionDep) -> list[NodeSummary]:
    return cluster.node_summaries(runtime, session, runtime.clock())


@router.get("/nodes/{node_name}", response_model=NodeDetail, responses=NOT_FOUND)
def node_detail(
    runtime: RuntimeDep,
    session: SessionDep,
    node_name: NodeName,
    hours: Annotated[int, Query(ge=1, le=720, description="Hours of history to include")] = 1,
) -> NodeDetail:
    return cluster.node_detail(runtime, session, node_name, hours)


@router.post(
    "/nodes",
    response_model=NodeSummary,
    status_code=201,
    responses={409: {"model": ErrorResponse, "description": "Name taken"}},
)
def add_node(runtime: RuntimeDep, session: SessionDep, spec: NodeSpec) -> NodeSummary:
    row = inventory.create_node(session, spec)
    _inventory_changed(runtime)
    return nodes.summary(runtime, row, runtime.clock())


@router.put("/nodes/{node_name}", response_model=NodeSummary, responses=NOT_FOUND)
def change_node(
    runtime: RuntimeDep, session: SessionDep, node_name: NodeName, change: NodeChange
) -> NodeSummary:
    row = inventory.update_node(session, node_name, change)
    _inventory_changed(runtime)
    return nodes.summary(runtime, row, runtime.clock())


@router.delete("/nodes/{node_name}", status_code=204, responses=NOT_FOUND)
def remove_node(runtime: RuntimeDep, session: SessionDep, node_name: NodeName) -> Response:
    inventory.delete_node(session, node_name)
    _inventory_changed(runtime)
    return Response(status_code=204)


@router.get("/targets", response_model=list[HttpSdGroup])
def targets(session: SessionDep) -> list[dict[str, object]]:
    """The inventory for Prometheus `http_sd_configs` (label `node` = inventory name)."""
    return cluster.targets(session)
