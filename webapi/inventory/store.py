"""Inventory reads and writes on the `nodes` table. Every other part reads nodes through here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapi.core.domain_errors import ConflictError, NotFoundError
from webapi.inventory.schemas import InventoryNode, NodeChange, NodeSpec
from webapi.inventory.tables import NodeRow


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    removed: int


def to_model(row: NodeRow) -> InventoryNode:
    return InventoryNode(
        name=row.name,
        address=row.address,
        exporter=row.exporter,
        dispy_port=row.dispy_port,
        labels=dict(row.labels or {}),
        source=row.source,
    )


def list_nodes(session: Session) -> list[NodeRow]:
    """Every node of the inventory, by name."""
    return list(session.scalars(select(NodeRow).where(NodeRow.removed.is_(False)).order_by(NodeRow.name)))


def get_node(session: Session, name: str) -> NodeRow | None:
    row = session.scalar(select(NodeRow).where(NodeRow.name == name))
    return None if row is None or row.removed else row


def require_node(session: Session, name: str) -> NodeRow:
    row = get_node(session, name)
    if row is None:
        raise NotFoundError(f"Unknown node {name!r}: it is not in the inventory")
    return row


def _fields(row: NodeRow) -> tuple[object, ...]:
    return (row.address, row.exporter, row.dispy_port, dict(row.labels or {}))


def _spec_fields(spec: NodeSpec) -> tuple[object, ...]:
    return (spec.address, spec.exporter_target, spec.dispy_port, dict(spec.labels))


def _apply(row: NodeRow, spec: NodeSpec) -> None:
    row.address = spec.address
    row.exporter = spec.exporter_target
    row.dispy_port = spec.dispy_port
    row.labels = dict(spec.labels)


def create_node(session: Session, spec: NodeSpec) -> NodeRow:
    existing = session.scalar(select(NodeRow).where(NodeRow.name == spec.name))
    if existing is not None and not existing.removed:
        raise ConflictError(f"Node {spec.name!r} already exists; use PUT /api/cluster/nodes/{spec.name}")
    return upsert_node(session, spec)


def update_node(session: Session, name: str, change: NodeChange) -> NodeRow:
    row = require_node(session, name)
    values = {
        "name": row.name,
        "address": row.address,
        "exporter": row.exporter,
        "dispy_port": row.dispy_port,
        "labels": dict(row.labels or {}),
    }
    values.update(change.model_dump(exclude_none=True))
    host, _, port = row.exporter.rpartition(":")
    if change.address is not None and change.exporter is None and host == row.address:
        # The exporter ran on the node's old address: it moves with the node.
        values["exporter"] = f"{change.address}:{port}"
    _apply(row, NodeSpec.model_validate(values))
    row.source = "api"
    session.commit()
    return row


def delete_node(session: Session, name: str) -> None:
    row = require_node(session, name)
    if row.source == "file":
        # Keep a tombstone so that the next reload of the file does not add it back.
        row.source, row.removed = "api", True
    else:
        session.delete(row)
    session.commit()


def upsert_node(session: Session, spec: NodeSpec) -> NodeRow:
    """Create or replace a node as the API owns it (also the `local` node of `dispycluster up`)."""
    row = session.scalar(select(NodeRow).where(NodeRow.name == spec.name))
    if row is None:
        row = NodeRow(name=spec.name)
        session.add(row)
    _apply(row, spec)
    row.source, row.removed = "api", False
    session.commit()
    return row


def sync_file(session: Session, specs: list[NodeSpec]) -> SyncResult:
    """Make the file-owned rows match `specs`; rows changed or removed through the API are left alone."""
    rows = {row.name: row for row in session.scalars(select(NodeRow))}
    wanted = {spec.name: spec for spec in specs}
    added = updated = removed = 0
    for name, spec in wanted.items():
        row = rows.get(name)
        if row is None:
            row = NodeRow(name=name, source="file", removed=False)
            session.add(row)
            _apply(row, spec)
            added += 1
        elif row.source == "file" and _fields(row) != _spec_fields(spec):
            _apply(row, spec)
            updated += 1
    for name, row in rows.items():
        if row.source == "file" and name not in wanted:
            session.delete(row)
            removed += 1
    session.commit()
    return SyncResult(added=added, updated=updated, removed=removed)
