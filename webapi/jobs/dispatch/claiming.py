"""From the queue to the engine: claims due jobs (queued → dispatched) while the nodes have room, turns
each into a flight, and hands its chunks to the engine once the claim is committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from webapi.core.settings import Settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import metrics, store
from webapi.jobs.dispatch import depth, outcomes
from webapi.jobs.dispatch.engine_api import Engine, Submission
from webapi.jobs.dispatch.flights import Flight, Flights
from webapi.jobs.dispatch.nodeboard import NodeBoard
from webapi.jobs.dispatch.outcomes import Ending
from webapi.jobs.dispatch.placement import NodeSlot, Placement, choose
from webapi.jobs.plugin_api import SessionJobReader
from webapi.jobs.registry import Registry
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

log = logging.getLogger(__name__)

# How often the queue is scanned for scheduled jobs whose time came, when nothing said a job may be due.
SCAN_INTERVAL_S = 0.2


# How many due jobs past the ones the nodes have room for a step looks at, for jobs that fit a node with
# room when the ones ahead of them wait for busy or unschedulable nodes.
LOOKAHEAD = 200
PAGE = 50


@dataclass(frozen=True)
class Ready:
    """A claimed job, ready for the engine once its claim is committed, with the node of its first chunk."""

    flight: Flight
    chunks: list[dict[str, Any]]
    node: str
    placement: Placement | None


class Claims:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        engine: Engine,
        flights: Flights,
        publish: Callable[[Job], None],
        *,
        board: NodeBoard,
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._engine = engine
        self._flights = flights
        self._publish = publish
        self._board = board
        # Whether a queued job may be due: set by every submission, change and retry (`note_due`); the
        # queue is also scanned every SCAN_INTERVAL_S. Spares a query per engine update.
        self._maybe_due = True
        self._next_scan = 0.0
        # The nodes as this step places jobs (their room counted down as chunks are placed).
        self._slots: list[NodeSlot] = []
        # Whether due jobs wait for a node (busy, unschedulable, no match): claims then pick a node for
        # each due job before claiming it, and look past the ones that wait.
        self._crowded = False
        self.pace = depth.Pace()

    def note_due(self) -> None:
        self._maybe_due = True

    def slots(self, now: float) -> list[NodeSlot]:
        """Every node as placement sees it at `now` (monotonic), with its room for more chunks."""
        per_cpu = self._settings.jobs_per_cpu

        def room(name: str, cpus: int) -> int:
            return depth.room(cpus, per_cpu, self.pace.per_second(name, now))

        return self._board.slots(self._engine.nodes(), self._flights.loads(), room)

    def free_slots(self) -> int:
        """How many more chunks the schedulable nodes that are up had room for after the last claim."""
        return sum(slot.free for slot in self._slots if slot.schedulable and slot.free > 0)

    def claim(self, session: Session, now: float) -> list[Ready]:
        """Claims (queued → dispatched) due jobs in queue order while a node that matches each has room,
        not committed yet. A job that cannot run (type gone, preparation failed) ends here; one with no
        chunk succeeds."""
        self._slots = self.slots(now)
        free = self.free_slots()
        if free <= 0 or not (self._maybe_due or now >= self._next_scan):
            return []
        # Cleared before the query: a submission committed meanwhile sets it again.
        self._maybe_due, self._next_scan = False, now + SCAN_INTERVAL_S
        utc_now = naive_utc_now()
        if self._crowded:
            picks = self._scan(session, utc_now, free)
            jobs = [item.job for item in store.claim_ids(session, list(picks))]
        else:
            jobs, picks = self._claim_head(session, utc_now, free)
        if self.free_slots() <= 0:
            self._maybe_due = True  # more may be waiting
        return [
            ready
            for job in jobs
            if (ready := self._prepare(session, job, utc_now, *picks[job.id])) is not None
        ]

    def _place(self, stored: str | None) -> tuple[str, Placement | None] | None:
        """The node for a job with this placement (as stored), its room taken; None when none has room."""
        placement = Placement.parse(stored)
        slot = choose(placement, self._slots)
        if slot is None:
            return None
        slot.free -= 1
        return slot.name, placement

    def _claim_head(
        self, session: Session, now: datetime, free: int
    ) -> tuple[list[Job], dict[int, tuple[str, Placement | None]]]:
        """The usual case, in one statement: claims the first `free` due jobs, then gives back those whose
        placement finds no node with room (the next claims then look past them: see `_scan`)."""
        claimed = store.claim_due(session, now, free)
        picks: dict[int, tuple[str, Placement | None]] = {}
        for job, stored in claimed:
            if (pick := self._place(stored)) is not None:
                picks[job.id] = pick
        jobs = [job for job, _ in claimed]
        if len(picks) < len(jobs):
            store.unclaim(session, [job.id for job in jobs if job.id not in picks])
            jobs = [job for job in jobs if job.id in picks]
            self._crowded = self._maybe_due = True
        return jobs, picks

    def _scan(self, session: Session, now: datetime, free: int) -> dict[int, tuple[str, Placement | None]]:
        """While due jobs wait for a node: picks a node for each due job in queue order, past the waiting
        ones, up to LOOKAHEAD jobs beyond the room there is."""
        picks: dict[int, tuple[str, Placement | None]] = {}
        scanned, ask, limit, waiting = 0, free, free + LOOKAHEAD, False
        while free > 0 and scanned < limit:
            candidates = store.due_candidates(session, now, ask, scanned)
            scanned += len(candidates)
            for job_id, stored in candidates:
                if (pick := self._place(stored)) is None:
                    waiting = True
                else:
                    picks[job_id] = pick
                    free -= 1
            if len(candidates) < ask:
                break  # the end of the queue
            ask = max(free, PAGE)
        # Back to the one-statement claim once no due job it looked at had to wait.
        self._crowded = waiting
        return picks

    def _prepare(
        self, session: Session, job: Job, now: datetime, node: str, placement: Placement | None
    ) -> Ready | None:
        metrics.QUEUE_WAIT.labels(job.type).observe(
            outcomes.queue_wait_s(now, job.created_at, job.scheduled_at)
        )
        task = self._registry.get(job.type)
        if task is None:
            self._flights.end(
                session, job, Ending(JobStatus.FAILED, f"task type {job.type!r} is no longer installed")
            )
            return None
        try:
            params = task.parameters.model_validate(job.parameters)
            chunks = task.chunks(params, SessionJobReader(session))
        except Exception as exc:
            self._flights.end(session, job, Ending(JobStatus.FAILED, f"could not prepare the job: {exc}"))
            return None
        if not chunks:
            job.result = task.combine([], params)
            self._flights.end(session, job, Ending(JobStatus.SUCCEEDED, None))
            return None
        return Ready(
            Flight(job, job.attempts, task, params, len(chunks), job.timeout_s), chunks, node, placement
        )

    def submit(self, session: Session, ready: list[Ready]) -> None:
        """Hands the claimed (and committed) jobs to the engine, all at once; a job it did not take (any
        of its chunks) fails, committed here."""
        submissions: list[Submission] = []
        for item in ready:
            flight, job = item.flight, item.flight.job
            self._flights.add(flight)
            metrics.JOBS_DISPATCHED.labels(job.type).inc()
            self._publish(job)
            context = flight.task.context(self._settings)
            for index, chunk in enumerate(item.chunks):
                key = flight.key(index)
                node = item.node if index == 0 else self._spread(item)
                flight.live.add(key)
                flight.placed[key] = node
                submissions.append(
                    Submission(key, flight.task.node_source, flight.task.entry, chunk, context, node)
                )
        try:
            refused = self._engine.submit(submissions)
        except Exception as exc:
            log.exception("handing %d jobs to dispy failed", len(ready))
            refused = {submission.key: str(exc) for submission in submissions}
        if not refused:
            return
        for item in ready:
            flight = item.flight
            keys = map(flight.key, range(flight.chunks))
            why = next((refused[key] for key in keys if key in refused), None)
            if why is not None:
                log.error("dispy refused job %s: %s", flight.job_id, why)
                ending = Ending(JobStatus.FAILED, f"dispy refused the job: {why}")
                self._flights.finish(session, flight, ending)
        self._flights.save(session)
        session.commit()

    def _spread(self, item: Ready) -> str:
        """The node of a further chunk: the matching node with the most room left (the first chunk's node
        matches, so there is one)."""
        slot = choose(item.placement, self._slots, room=False) or next(
            s for s in self._slots if s.name == item.node
        )
        slot.free -= 1
        return slot.name
