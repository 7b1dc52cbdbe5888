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
from webapi.jobs import metrics, store
from webapi.jobs.dispatch import outcomes
from webapi.jobs.dispatch.engine_api import Engine
from webapi.jobs.dispatch.flights import Flight, Flights
from webapi.jobs.dispatch.outcomes import Ending
from webapi.jobs.plugin_api import SessionJobReader
from webapi.jobs.registry import Registry
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

log = logging.getLogger(__name__)

# How often the queue is scanned for scheduled jobs whose time came, when nothing said a job may be due.
SCAN_INTERVAL_S = 0.2


@dataclass(frozen=True)
class Ready:
    """A claimed job, ready for the engine once its claim is committed."""

    flight: Flight
    chunks: list[dict[str, Any]]


class Claims:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        engine: Engine,
        flights: Flights,
        publish: Callable[[Job], None],
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._engine = engine
        self._flights = flights
        self._publish = publish
        # Whether a queued job may be due: set by every submission, change and retry (`note_due`); the
        # queue is also scanned every SCAN_INTERVAL_S. Spares a query per engine update.
        self._maybe_due = True
        self._next_scan = 0.0

    def note_due(self) -> None:
        self._maybe_due = True

    def free_slots(self) -> int:
        """How many more chunks the nodes that are up have room for."""
        return self._engine.capacity() * self._settings.jobs_per_cpu - self._flights.chunks_out()

    def claim(self, session: Session, now: float) -> list[Ready]:
        """Claims (queued → dispatched) as many due jobs as the nodes have room for, not committed yet.
        A job that cannot run (type gone, preparation failed) ends here; one with no chunk succeeds."""
        free = self.free_slots()
        if free <= 0 or not (self._maybe_due or now >= self._next_scan):
            return []
        # Cleared before the query: a submission committed meanwhile sets it again.
        self._maybe_due, self._next_scan = False, now + SCAN_INTERVAL_S
        utc_now = store.naive_utc_now()
        claimed = store.claim_due(session, utc_now, free)
        if len(claimed) == free:
            self._maybe_due = True  # more may be waiting
        return [ready for job in claimed if (ready := self._prepare(session, job, utc_now)) is not None]

    def _prepare(self, session: Session, job: Job, now: datetime) -> Ready | None:
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
        return Ready(Flight(job, job.attempts, task, params, len(chunks), job.timeout_s), chunks)

    def submit(self, session: Session, ready: list[Ready]) -> None:
        """Hands the claimed (and committed) jobs to the engine; commits again only if it refused one."""
        refused = False
        for item in ready:
            flight, job = item.flight, item.flight.job
            self._flights.add(flight)
            metrics.JOBS_DISPATCHED.labels(job.type).inc()
            self._publish(job)
            context = flight.task.context(self._settings)
            try:
                for index, chunk in enumerate(item.chunks):
                    key = flight.key(index)
                    flight.live.add(key)
                    self._engine.submit(key, flight.task.node_source, flight.task.entry, chunk, context)
            except Exception as exc:
                log.exception("dispy refused job %s", job.id)
                self._flights.finish(
                    session, flight, Ending(JobStatus.FAILED, f"dispy refused the job: {exc}")
                )
                refused = True
        if refused:
            self._flights.save(session)
            session.commit()
