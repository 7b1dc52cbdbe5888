"""How the engine's nodes look from outside: the dispatcher as a part of the service, and the dispy
side of one inventory node."""

from __future__ import annotations

from typing import Any

from webapi.core.health import PartHealth
from webapi.jobs.dispatch.engine_api import Engine, NodeStateName


def probe(engine: Engine, name: str) -> PartHealth:
    """Down while the engine cannot start or refuses a node; starting until a node is up."""
    states = engine.nodes()
    problems = [
        f"{s.name}: {s.message}" for s in states if s.state in (NodeStateName.REFUSED, NodeStateName.DOWN)
    ]
    if engine.error:
        problems.insert(0, engine.error)
    up = [s for s in states if s.state == NodeStateName.UP]
    summary = (
        f"{len(up)} of {len(states)} dispy nodes up, {sum(s.cpus or 0 for s in up)} CPUs, {engine.route}"
    )
    if problems:
        return PartHealth(name=name, status="down", detail=f"{summary}; " + "; ".join(problems))
    if not states:
        return PartHealth(name=name, status="ok", detail="no dispy node configured: jobs stay queued")
    return PartHealth(name=name, status="ok" if up else "starting", detail=summary)


def node_dispy(engine: Engine, name: str) -> dict[str, Any] | None:
    """The dispy side of the inventory node `name`, or None when the engine does not know it."""
    for state in engine.nodes():
        if state.name == name:
            fields = {key: value for key, value in state.as_dict().items() if key not in ("name", "ip")}
            return fields | {"via": engine.route}
    return None
