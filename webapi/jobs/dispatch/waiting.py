"""Waiting reasons that change with the nodes: a drain or a resume, a guard that trips or clears, a dispy
node that goes down or comes back changes why the queued jobs wait, with none of those jobs changing.
The dispatcher compares the nodes as waiting reasons see them at each step, and tells the live feed
about the due jobs whose reason changed (pure functions and a little state; the dispatcher does the I/O).
"""

from __future__ import annotations

from collections.abc import Sequence

from webapi.jobs.dispatch import placement
from webapi.jobs.dispatch.placement import NodeSlot, Placement

# Due queued jobs looked at per change, first in queue order: a client showing more reads them again.
WATCHED_MAX = 1000

Picture = tuple[tuple[str, tuple[tuple[str, str], ...], bool, str | None], ...]


def picture(slots: Sequence[NodeSlot]) -> Picture:
    """What a waiting reason depends on: each node's name, labels, and whether (else why not) it takes
    new jobs; not its room, which only decides when a job goes."""
    seen = ((slot.name, tuple(sorted(slot.labels.items())), slot.schedulable, slot.reason) for slot in slots)
    return tuple(sorted(seen))


class Reasons:
    """`placement.waiting_reason` for one set of nodes, worked out once per distinct placement."""

    def __init__(self, slots: Sequence[NodeSlot]) -> None:
        self._slots = slots
        self._known: dict[Placement | None, str | None] = {}

    def of(self, wanted: Placement | None) -> str | None:
        if wanted not in self._known:
            self._known[wanted] = placement.waiting_reason(wanted, self._slots)
        return self._known[wanted]


class WaitingWatch:
    """The nodes as of the last look."""

    def __init__(self) -> None:
        self._picture: Picture | None = None
        self._slots: Sequence[NodeSlot] = ()

    def look(self, slots: Sequence[NodeSlot]) -> Sequence[NodeSlot] | None:
        """The nodes as they were at the previous look when waiting reasons may have changed since, else
        None (nothing changed, or this is the first look: nothing was said before)."""
        now = picture(slots)
        before, previous = self._picture, self._slots
        self._picture, self._slots = now, slots
        return previous if before is not None and before != now else None

    def forget(self) -> None:
        """The next look is a first look again."""
        self._picture, self._slots = None, ()


def changed(candidates: Sequence[tuple[int, str | None]], before: Reasons, after: Reasons) -> list[int]:
    """The ids among `(id, placement as stored)` of due jobs whose waiting reason is not what it was."""
    return [
        job_id
        for job_id, stored in candidates
        if before.of(wanted := Placement.parse(stored)) != after.of(wanted)
    ]
