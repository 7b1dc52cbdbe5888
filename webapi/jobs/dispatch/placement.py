"""Which nodes a job may run on, which of them takes it now, and why a job waits (pure functions).

A placement is `{"nodes": [names], "labels": {key: value}}`: the job runs on any of the listed nodes
(every node when the list is empty) whose inventory labels include all of `labels`. A job without a
placement runs on any node.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Placement:
    nodes: frozenset[str] = frozenset()
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> Placement | None:
        """The placement stored with a job (None or empty: the job runs anywhere)."""
        if not value:
            return None
        placement = cls(
            frozenset(value.get("nodes") or ()), tuple(sorted((value.get("labels") or {}).items()))
        )
        return placement if placement.nodes or placement.labels else None

    @staticmethod
    @functools.lru_cache(maxsize=1024)
    def parse(text: str | None) -> Placement | None:
        """The placement stored with a job, from the column's JSON text (None: SQL NULL). Worked out once
        per distinct text: a batch's jobs share theirs."""
        return Placement.from_json(json.loads(text)) if text is not None else None

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        if self.nodes and name not in self.nodes:
            return False
        return all(labels.get(key) == value for key, value in self.labels)

    def describe(self) -> str:
        """In words, as the waiting reason says it: `arch=amd64`, `node pi1 or pi2, arch=arm64`."""
        parts = []
        if self.nodes:
            parts.append(("node " if len(self.nodes) == 1 else "nodes ") + " or ".join(sorted(self.nodes)))
        parts += [f"{key}={value}" for key, value in self.labels]
        return ", ".join(parts)


@dataclass
class NodeSlot:
    """A node as the dispatcher places jobs: its labels, whether it takes new jobs (else why not, as a
    predicate: "is drained"), and how many more chunks it has room for now (the dispatcher counts it
    down as it places chunks)."""

    name: str
    labels: Mapping[str, str]
    schedulable: bool
    reason: str | None = None
    free: int = 0


def unknown_nodes(placement: Placement | None, known: Iterable[str]) -> list[str]:
    """The placement's node names that the inventory does not have."""
    return sorted(placement.nodes - set(known)) if placement is not None else []


def matching(placement: Placement | None, nodes: Iterable[NodeSlot]) -> list[NodeSlot]:
    if placement is None:
        return list(nodes)
    return [node for node in nodes if placement.matches(node.name, node.labels)]


def choose(placement: Placement | None, nodes: Sequence[NodeSlot], *, room: bool = True) -> NodeSlot | None:
    """The matching schedulable node with the most room (the first listed on a tie), or None; with
    `room=False` also one with no room left (for the further chunks of a job already placed)."""
    best: NodeSlot | None = None
    for node in nodes:
        # The cheap tests first: the label match is the costly one.
        if not node.schedulable or (room and node.free <= 0) or (best is not None and node.free <= best.free):
            continue
        if placement is None or placement.matches(node.name, node.labels):
            best = node
    return best


def waiting_reason(placement: Placement | None, nodes: Sequence[NodeSlot]) -> str | None:
    """Why a due job cannot start on any node even once one has room, or None when a matching node takes
    new jobs (the job then only waits for its turn)."""
    candidates = matching(placement, nodes)
    if any(node.schedulable for node in candidates):
        return None
    wanted = f" matches {placement.describe()}" if placement is not None else ""
    if not candidates:
        return f"no node{wanted}" if placement is not None else "no node is configured"
    why = "; ".join(f"{node.name} {node.reason or 'is not schedulable'}" for node in candidates)
    return f"no schedulable node{wanted}: {why}"
