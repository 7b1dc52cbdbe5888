"""The job dispatcher: the service's queue in front of the engine (dispy), on its own thread.

Each step applies what the engine reported, stops jobs that were cancelled or ran out of time, and hands
due jobs to the engine while the nodes have free CPUs, in one transaction. A job row is always committed
as `dispatched` before the engine sees it. Analysis-like types run as several engine jobs ("chunks"),
whose results the type merges. The parts live in `webapi.jobs.dispatch`; this module puts them together.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from webapi.core.events import EventBus
from webapi.core.health import PartHealth
from webapi.core.settings import Settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import metrics, store
from webapi.jobs.dispatch import health, placement, waiting
from webapi.jobs.dispatch.claiming import Claims
from webapi.jobs.dispatch.engine_api import ENDED, DispyNodeState, Engine, JobUpdate
from webapi.jobs.dispatch.flights import Flights
from webapi.jobs.dispatch.guards import GuardSettings
from webapi.jobs.dispatch.housekeeping import Housekeeping, NodeSource
from webapi.jobs.dispatch.nodeboard import ConditionSource, FactsSource, NodeBoard, NodeView
from webapi.jobs.dispatch.outcomes import Ending
from webapi.jobs.dispatch.pacing import Pacer
from webapi.jobs.dispatch.placement import NodeSlot, Placement
from webapi.jobs.intake import Intake
from webapi.jobs.registry import Registry
from webapi.jobs.schemas import WAITING_REASON, JobSummary, LogLine
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

S = TypeVar("S", bound=JobSummary)


def log_payload(job_id: int, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A `job_log` message: the lines as items of `GET /api/jobs/{id}/logs`."""
    items = [LogLine.model_validate(line).model_dump(mode="json") for line in lines]
    return {"job_id": job_id, "lines": items}


class JobDispatcher:
    """A BackgroundService: `start`/`stop` from the lifespan; `wake`/`request_cancel` from the API.

    It owns `engine` from `start` on (it listens to it, and closes it in `stop`)."""

    name = "jobs"

    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        events: EventBus,
        engine: Engine,
        *,
        registry: Registry | None = None,
        node_source: NodeSource | None = None,
        facts_source: FactsSource | None = None,
        condition_source: ConditionSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.registry = registry or Registry.from_entry_points()
        self.engine = engine
        self._sessions = sessions
        self._events = events
        self._clock = clock
        self._updates: SimpleQueue[JobUpdate] = SimpleQueue()
        self._cancels: SimpleQueue[int] = SimpleQueue()
        self._pacer = Pacer(self.step, name="jobs-dispatcher")
        # Whether the engine had free slots after the last step (written by the dispatcher thread only).
        self._has_room = False
        # The node views are refreshed by the dispatcher, and at once by a drain or resume.
        self._board_lock = threading.Lock()
        self.board = NodeBoard(
            GuardSettings.from_settings(settings), sessions, facts_source, condition_source
        )
        self._waiting = waiting.WaitingWatch()
        self.flights = Flights(
            settings,
            engine,
            self.publish,
            requeued=self._queue_changed,
            clock=clock,
            publish_lines=self.publish_lines,
            costs=self.board if condition_source is not None else None,
        )
        self.claims = Claims(settings, self.registry, engine, self.flights, self.publish, board=self.board)
        self.housekeeping = Housekeeping(settings, sessions, engine, self.registry, node_source)
        self.intake = Intake(settings, sessions, self._created)
        engine.listen(self._on_update, self._pacer.wake, self.housekeeping.init_series)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        # The series of jobs that end without a node: cancelled while queued, lost before running.
        self.housekeeping.init_series("")
        await asyncio.to_thread(self.recover)
        # The node answers say whether each node takes jobs from the first request on.
        await asyncio.to_thread(self.refresh_nodes)
        self.intake.start()
        self._pacer.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.intake.stop)
        await asyncio.to_thread(self._pacer.stop, 30)
        await asyncio.to_thread(self.engine.close)

    def _created(self, jobs: list[dict[str, Any]]) -> None:
        """New jobs, as rows (`Intake`)."""
        for type_name, count in Counter(job["type"] for job in jobs).items():
            metrics.JOBS_SUBMITTED.labels(type_name).inc(count)
        if self._events.has_subscribers:
            for job in jobs:
                # Without the waiting reason: a batch of 10,000 would work it out 10,000 times; the next
                # change of the job (or a read) brings it.
                self._events.publish_threadsafe("job", JobSummary.model_validate(job).model_dump(mode="json"))
        self.wake()

    def _queue_changed(self) -> None:
        self.claims.note_due()

    def wake(self) -> None:
        """A job may be due: dispatch now, if the engine has room for it. Otherwise the next job end (or
        node coming up) wakes the dispatcher, which claims it then: under load, submissions cost no step."""
        self.claims.note_due()
        if self._has_room:
            self._pacer.wake()

    def request_cancel(self, job_id: int) -> None:
        self._cancels.put(job_id)
        self._pacer.wake()

    def node_states(self) -> list[DispyNodeState]:
        """Each node as the engine sees it (state, a message such as "secret mismatch", CPUs, busy...)."""
        return self.engine.nodes()

    def node_dispy(self, name: str) -> dict[str, Any] | None:
        return health.node_dispy(self.engine, name)

    def node_view(self, name: str) -> NodeView | None:
        """Whether the node takes new jobs (drain and guards), as of the dispatcher's last look."""
        return self.board.views.get(name)

    def refresh_nodes(self) -> None:
        """Brings the node views up to date now (from a request thread, after a drain or resume)."""
        with self._board_lock:
            self.board.invalidate()
            self.board.refresh(self._clock(), self.engine.nodes())
        self.claims.note_due()
        self._pacer.wake()

    def waiting_reason(self, stored: dict[str, Any] | None, scheduled_at: datetime | None) -> str | None:
        """Why a queued job with this placement cannot start on any node, or None (not due yet, or a
        matching node takes new jobs: see `placement.waiting_reason`)."""
        if scheduled_at is not None and scheduled_at > naive_utc_now():
            return None
        return placement.waiting_reason(Placement.from_json(stored), self._reason_slots())

    def _reason_slots(self) -> list[NodeSlot]:
        """Every node as waiting reasons see it (its room does not matter to them)."""
        return self.board.slots(self.engine.nodes(), Counter(), lambda _name, cpus: cpus)

    def _tell_waiting(self) -> None:
        """Publishes the due jobs whose waiting reason the nodes changed since the last step (`waiting`)."""
        if not self._events.has_subscribers:
            # Nothing to compare against once someone listens: a new page reads the jobs themselves.
            self._waiting.forget()
            return
        slots = self._reason_slots()
        previous = self._waiting.look(slots)
        if previous is None:
            return
        before, after = waiting.Reasons(previous), waiting.Reasons(slots)
        with self._sessions() as session:
            candidates = store.due_candidates(session, naive_utc_now(), waiting.WATCHED_MAX)
            ids = waiting.changed(candidates, before, after)
            rows = store.job_rows(session, ids) if ids else []
        context = {WAITING_REASON: lambda stored, _scheduled_at: after.of(Placement.from_json(stored))}
        for row in rows:
            summary = JobSummary.model_validate(row, context=context)
            self._events.publish_threadsafe("job", summary.model_dump(mode="json"))

    def summary(self, job: Job | dict[str, Any], model: type[S]) -> S:
        """The job's answer (`JobSummary` or `JobDetail`), with its waiting reason."""
        return model.model_validate(job, context={WAITING_REASON: self.waiting_reason})

    def job_counts(self) -> dict[str, int] | None:
        """Jobs by state, refreshed by the dispatcher every few seconds (None before the first count)."""
        return self.housekeeping.counts

    async def probe(self) -> PartHealth:
        return health.probe(self.engine, self.name)

    def _on_update(self, update: JobUpdate) -> None:
        self._updates.put(update)
        # "running" and progress wait for the next tick (or end): a short job's start and end then
        # cost one step and one commit, not two.
        if update.kind in ENDED:
            self._pacer.wake()

    def publish(self, job: Job) -> None:
        # Several events per job: not worth rendering while nobody listens.
        if self._events.has_subscribers:
            self._events.publish_threadsafe("job", self.summary(job, JobSummary).model_dump(mode="json"))

    def publish_lines(self, job_id: int, lines: list[dict[str, Any]]) -> None:
        """New output lines of a job, for the pages that follow it (`job_log` on /ws)."""
        if self._events.has_subscribers:
            self._events.publish_threadsafe("job_log", log_payload(job_id, lines))

    # -- start-up ------------------------------------------------------------------------------------
    def recover(self) -> None:
        """Jobs left dispatched/running by a previous process cannot be re-attached: they are lost."""
        with self._sessions() as session:
            for job in store.active_jobs(session):
                store.add_logs(
                    session,
                    job,
                    "service",
                    "the service restarted while this job was active",
                    self.settings.job_log_limit,
                )
                self.flights.end(
                    session, job, Ending(JobStatus.LOST, "the service stopped while the job was active")
                )
            self.flights.save(session)
            session.commit()

    # -- one step ------------------------------------------------------------------------------------
    def step(self) -> bool:
        """One pass; True when it applied engine updates and jobs are still out (more will follow)."""
        now = self._clock()
        self.housekeeping.sync_nodes(now)
        with self._board_lock:
            if self.board.refresh(now, self.engine.nodes()):
                self.flights.sample_cost()
        with store.write_lock, self._sessions() as session:
            # Cancels first: a job whose cancel was requested is not retried when it fails meanwhile.
            self._take_cancels(now)
            applied = self._apply_updates(session, now)
            self.flights.stop_overdue(session, now)
            # A node drained (or guarded) since these jobs were handed to it must not start them.
            blocked = self.board.blocked()
            if blocked and self.flights.withdraw(session, blocked):
                self.flights.save(session)  # the claim below reads their rows
            ready = self.claims.claim(session, now)
            self.flights.save(session)
            # One commit per step; every claimed job is dispatched in the database before the engine sees it.
            session.commit()
            if ready:
                self.claims.submit(session, ready)
            self.housekeeping.purge(session, now)
            self.housekeeping.count(session, now)
        self._has_room = self.claims.free_slots() > 0
        self._tell_waiting()
        return applied > 0 and len(self.flights) > 0

    def _take_cancels(self, now: float) -> None:
        while True:
            try:
                job_id = self._cancels.get_nowait()
            except Empty:
                return
            self.flights.request_cancel(job_id, now)

    def _apply_updates(self, session: Session, now: float) -> int:
        applied = 0
        while True:
            try:
                update = self._updates.get_nowait()
            except Empty:
                return applied
            applied += 1
            if update.kind in ENDED:
                # Room freed on a node: a due job that waited for it may go now, not at the next scan.
                self.claims.note_due()
                if update.node:
                    self.claims.pace.ended(update.node, now)
            self.flights.apply(session, update)
