"""Drain and resume, apart from HTTP: the `node_drains` rows."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapi.core.domain_errors import FieldProblem, InvalidError
from webapi.core.timefmt import naive_utc_now, to_naive_utc
from webapi.nodecontrol.schemas import DrainRequest
from webapi.nodecontrol.tables import NodeDrain


def drains(session: Session) -> dict[str, NodeDrain]:
    """Every drain by node name (expired ones too: their `until` has passed)."""
    return {row.name: row for row in session.scalars(select(NodeDrain))}


def drain(session: Session, name: str, body: DrainRequest) -> None:
    """Drains the node `name` (again: the new reason and end replace the old ones)."""
    now = naive_utc_now()
    until = to_naive_utc(body.until) if body.until is not None else None
    if until is not None and until <= now:
        message = "must be in the future (or null: until resumed)"
        raise InvalidError(f"until {message}", [FieldProblem("body.until", message)])
    row = session.get(NodeDrain, name) or NodeDrain(name=name)
    row.reason, row.until, row.since = body.reason or None, until, now
    session.add(row)
    session.commit()


def resume(session: Session, name: str) -> None:
    session.execute(delete(NodeDrain).where(NodeDrain.name == name))
    session.commit()
