"""The job dispatcher: the service's queue in front of dispy, on its own thread.

Each step applies what dispy reported, stops jobs that were cancelled or ran out of time, and hands due
jobs to the engine while the nodes have free CPUs, in one transaction. A job row is always committed
as `dispatched` before dispy sees it. Analysis-like types run as several dispy jobs ("chunks"), whose
results the type merges.

While a job is active, the dispatcher alone changes it: each flight keeps a detached copy of its row,
changes it in memory (through `store.transition`) and the step saves the copies it changed in one
statement, so a step costs a few statements whatever the number of jobs it touches.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from webapi.events import EventBus
from webapi.jobs import metrics, store
from webapi.jobs.engine import (
    ENDED,
    DispyEngine,
    EngineConfig,
    JobUpdate,
    NodeAddress,
    NodeState,
    NodeStateName,
    UpdateKind,
)
from webapi.jobs.intake import Intake
from webapi.jobs.models import Job
from webapi.jobs.registry import Registry, TaskType
from webapi.jobs.schemas import JobSummary
from webapi.jobs.states import AUTO_RETRY, TERMINAL, JobStatus
from webapi.schemas.cluster import PartHealth
from webapi.settings import Settings

log = logging.getLogger(__name__)

TICK_S = 0.2
NODE_REFRESH_S = 5.0
COUNTS_REFRESH_S = 1.0
# Finished jobs past their retention are deleted hourly, one short batch per step while a backlog remains.
PURGE_INTERVAL_S = 3600.0
PURGE_BATCH = 1000
# How long a stop (cancel, timeout) may wait for dispy's confirmation before the service decides alone.
STOP_GRACE_S = 15.0
# Under load dispy reports an end every few milliseconds: while jobs keep ending, steps start at least
# this far apart, so that each gathers the ends of several jobs into one transaction (see `_run`).
STEP_GAP_S = 0.04


def job_summary(job: Job) -> dict[str, Any]:
    return JobSummary.model_validate(job).model_dump(mode="json")


@dataclass
class Flight:
    """A dispatched attempt of a job, as dispy runs it, with the dispatcher's copy of the job's row."""

    job: Job
    attempt: int
    task: TaskType
    params: BaseModel
    chunks: int
    timeout_s: float | None
    live: set[str] = field(default_factory=set)
    results: dict[int, Any] = field(default_factory=dict)
    deadline: float | None = None
    started: float | None = None
    stopping: JobStatus | None = None
    stop_since: float | None = None

    @property
    def job_id(self) -> int:
        return self.job.id

    def key(self, chunk: int) -> str:
        return f"{self.job_id}/{self.attempt}/{chunk}"


def parse_key(key: str) -> tuple[int, int, int]:
    job_id, attempt, chunk = (int(part) for part in key.split("/"))
    return job_id, attempt, chunk


class JobDispatcher:
    """A BackgroundService: `start`/`stop` from the lifespan; `wake`/`request_cancel` from the API."""

    name = "jobs"

    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        events: EventBus,
        registry: Registry | None = None,
        node_source: Callable[[Session], list[NodeAddress]] | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry or Registry.from_entry_points()
        self._sessions = sessions
        self._events = events
        self._node_source = node_source
        self._updates: SimpleQueue[JobUpdate] = SimpleQueue()
        self._cancels: SimpleQueue[int] = SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flights: dict[int, Flight] = {}
        # Job copies changed during the current step, saved before its commit.
        self._changed: dict[int, Job] = {}
        self._thread: threading.Thread | None = None
        self._next_node_refresh = 0.0
        self._next_counts = 0.0
        self._next_purge = 0.0
        # Whether a queued job may be due: set by every submission, change and retry; the queue is also
        # scanned every TICK_S for scheduled jobs whose time came. Spares a query per dispy update.
        self._maybe_due = True
        self._next_scan = 0.0
        # Whether dispy had free slots after the last step (written by the dispatcher thread only).
        self._has_room = False
        self._counts: dict[str, int] | None = None
        self.intake = Intake(settings, sessions, self._created)
        self.engine = DispyEngine(
            EngineConfig(
                secret=settings.dispy_secret.get_secret_value(),
                client_host=settings.dispy_host,
                client_port=settings.dispy_port,
                pulse_interval=settings.dispy_pulse_interval,
                recover_file=settings.data_dir / "dispy" / "recover",
                scheduler=settings.dispy_scheduler_address,
            ),
            on_update=self._on_update,
            on_change=self._wake.set,
            on_node_up=self._init_series,
        )

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self._init_series("")  # jobs that end without a node: cancelled while queued, lost before running
        await asyncio.to_thread(self._recover)
        self.intake.start()
        self._thread = threading.Thread(target=self._run, name="jobs-dispatcher", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.intake.stop)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30)
        await asyncio.to_thread(self.engine.close)

    def _created(self, jobs: list[Job]) -> None:
        for job in jobs:
            metrics.JOBS_SUBMITTED.labels(job.type).inc()
            self.publish(job)
        self.wake()

    def wake(self) -> None:
        """A job may be due: dispatch now, if dispy has room for it. Otherwise the next job end (or node
        coming up) wakes the dispatcher, which claims it then: under load, submissions cost no step."""
        self._maybe_due = True
        if self._has_room:
            self._wake.set()

    def request_cancel(self, job_id: int) -> None:
        self._cancels.put(job_id)
        self._wake.set()

    def node_states(self) -> list[NodeState]:
        """Each node as dispy sees it (state, message such as "secret mismatch", cpus, busy, jobs done)."""
        return self.engine.nodes()

    def node_dispy(self, name: str) -> dict[str, Any] | None:
        """The dispy side of the inventory node `name`, or None when dispy does not know it."""
        for state in self.engine.nodes():
            if state.name == name:
                fields = {key: value for key, value in state.as_dict().items() if key not in ("name", "ip")}
                return fields | {"via": self.engine.route}
        return None

    def job_counts(self) -> dict[str, int] | None:
        """Jobs by state, refreshed by the dispatcher every few seconds (None before the first count)."""
        return self._counts

    async def probe(self) -> PartHealth:
        """The dispatcher as a part of the service: down while dispy refuses a node or cannot start."""
        states = self.engine.nodes()
        problems = [
            f"{s.name}: {s.message}" for s in states if s.state in (NodeStateName.REFUSED, NodeStateName.DOWN)
        ]
        if self.engine.error:
            problems.insert(0, self.engine.error)
        up = [s for s in states if s.state == NodeStateName.UP]
        summary = (
            f"{len(up)} of {len(states)} dispy nodes up, {sum(s.cpus or 0 for s in up)} CPUs, "
            f"{self.engine.route}"
        )
        if problems:
            return PartHealth(name=self.name, status="down", detail=f"{summary}; " + "; ".join(problems))
        if not states:
            return PartHealth(
                name=self.name, status="ok", detail="no dispy node configured: jobs stay queued"
            )
        return PartHealth(name=self.name, status="ok" if up else "starting", detail=summary)

    def _init_series(self, node: str) -> None:
        """Creates every `dispycluster_jobs_total` series of `node` at 0, so that the first lost job on
        it is an increase the alert rules see (a series born at 1 has no increase)."""
        for type_name in self.registry.names():
            for status in TERMINAL:
                metrics.JOBS_ENDED.labels(type_name, status.value, node)

    def _on_update(self, update: JobUpdate) -> None:
        self._updates.put(update)
        # "running" and progress wait for the next tick (or end): a short job's start and end then
        # cost one step and one commit, not two.
        if update.kind in ENDED:
            self._wake.set()

    def _run(self) -> None:
        resume = 0.0
        while not self._stopping.is_set():
            self._wake.wait(TICK_S)
            # Only after a step that applied job updates while other jobs are still out: a lone job (or
            # the next one submitted after it) never waits.
            pause = resume - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._wake.clear()
            started = time.monotonic()
            try:
                busy = self._step()
            except Exception:
                busy = False
                log.exception("job dispatcher step failed; retrying on the next tick")
            resume = started + STEP_GAP_S if busy else 0.0

    def publish(self, job: Job) -> None:
        # Several events per job: not worth rendering while nobody listens.
        if self._events.has_subscribers:
            self._events.publish_threadsafe("job", job_summary(job))

    # -- start-up ------------------------------------------------------------------------------------
    def _recover(self) -> None:
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
                self._end(session, job, JobStatus.LOST, error="the service stopped while the job was active")
            self._save(session)
            session.commit()

    # -- one step ------------------------------------------------------------------------------------
    def _step(self) -> bool:
        """One pass; True when it applied dispy updates and jobs are still out (more will follow)."""
        now = time.monotonic()
        if now >= self._next_node_refresh:
            self._next_node_refresh = now + NODE_REFRESH_S
            self._refresh_nodes()
        with store.write_lock, self._sessions() as session:
            # Cancels first: a job whose cancel was requested is not retried when it fails meanwhile.
            self._take_cancels(now)
            applied = self._apply_updates(session)
            self._stop_jobs(session, now)
            ready = self._claim_due(session, now)
            self._save(session)
            # One commit per step; every claimed job is dispatched in the database before dispy sees it.
            session.commit()
            if ready:
                self._submit(session, ready)
            if now >= self._next_purge:
                backlog = self._purge(session) == PURGE_BATCH
                self._next_purge = now + (0.0 if backlog else PURGE_INTERVAL_S)
            if now >= self._next_counts:
                self._next_counts = now + COUNTS_REFRESH_S
                counts = store.counts_by_status(session)
                metrics.JOBS_QUEUED.set(counts[JobStatus.QUEUED])
                metrics.JOBS_RUNNING.set(counts[JobStatus.DISPATCHED] + counts[JobStatus.RUNNING])
                self._counts = counts
        self._has_room = self._free_slots() > 0
        return applied > 0 and bool(self._flights)

    def _save(self, session: Session) -> None:
        store.save_jobs(session, self._changed.values())
        self._changed.clear()

    def _purge(self, session: Session) -> int:
        before = store.utcnow() - timedelta(days=self.settings.job_retention_days)
        deleted = store.purge_finished(session, before, PURGE_BATCH)
        if deleted:
            session.commit()
            log.info("deleted %d jobs finished before %s (DISPYCLUSTER_JOB_RETENTION_DAYS)", deleted, before)
        return deleted

    def _refresh_nodes(self) -> None:
        addresses = []
        if self._node_source is not None:
            with self._sessions() as session:
                addresses += self._node_source(session)
        # After the inventory, so that a node listed in both keeps its inventory name.
        addresses += [NodeAddress(spec, *_split_host_port(spec)) for spec in self.settings.dispy_nodes]
        self.engine.sync_nodes(addresses)

    def _apply_updates(self, session: Session) -> int:
        applied = 0
        while True:
            try:
                update = self._updates.get_nowait()
            except Empty:
                return applied
            applied += 1
            job_id, attempt, chunk = parse_key(update.key)
            flight = self._flights.get(job_id)
            # An update of an attempt that already ended (another chunk failed, a stop) changes nothing.
            if flight is not None and flight.attempt == attempt:
                self._changed[job_id] = flight.job
                self._apply(session, flight.job, flight, chunk, update)

    def _apply(self, session: Session, job: Job, flight: Flight, chunk: int, update: JobUpdate) -> None:
        limit = self.settings.job_log_limit
        if update.kind == UpdateKind.RUNNING:
            if flight.chunks > 1:
                store.add_logs(session, job, "service", f"chunk {chunk} running on {update.node}", limit)
            if job.status == JobStatus.DISPATCHED:
                store.transition(job, JobStatus.RUNNING)
                job.node = update.node
                flight.started = update.at
                if flight.timeout_s:
                    flight.deadline = flight.started + flight.timeout_s
                self.publish(job)
            return
        if update.kind == UpdateKind.PROGRESS:
            if flight.chunks == 1 and isinstance(update.result, dict):
                job.progress = max(0.0, min(100.0, float(update.result.get("progress") or 0.0)))
                message = update.result.get("message")
                job.progress_message = str(message)[:500] if message else None
                if job.progress_message:
                    store.add_logs(session, job, "progress", job.progress_message, limit)
                self.publish(job)
            return
        flight.live.discard(flight.key(chunk))
        prefix = f"[chunk {chunk}] " if flight.chunks > 1 else ""
        store.add_logs(session, job, "stdout", _prefixed(prefix, update.stdout), limit)
        store.add_logs(session, job, "stderr", _prefixed(prefix, update.stderr), limit)
        if update.kind == UpdateKind.ABANDONED:
            self._finish(session, job, flight, JobStatus.LOST, f"node {update.node} stopped answering")
        elif update.kind in (UpdateKind.TERMINATED, UpdateKind.CANCELLED):
            if flight.stopping is not None:
                self._finish(session, job, flight, flight.stopping, _stop_message(flight.stopping))
            else:
                self._finish(
                    session, job, flight, JobStatus.FAILED, update.exception or "terminated on the node"
                )
        else:
            self._chunk_finished(session, job, flight, chunk, update.result)

    def _chunk_finished(self, session: Session, job: Job, flight: Flight, chunk: int, reply: Any) -> None:
        if not isinstance(reply, dict) or not reply.get("ok"):
            reply = reply if isinstance(reply, dict) else {"error": f"unexpected reply {reply!r:.200}"}
            if reply.get("traceback"):
                store.add_logs(session, job, "stderr", reply["traceback"], self.settings.job_log_limit)
            status = JobStatus.TIMED_OUT if reply.get("timed_out") else JobStatus.FAILED
            self._finish(session, job, flight, status, str(reply.get("error") or "failed"))
            return
        flight.results[chunk] = reply.get("result")
        if len(flight.results) < flight.chunks:
            job.progress = round(100.0 * len(flight.results) / flight.chunks, 1)
            job.progress_message = f"{len(flight.results)} of {flight.chunks} chunks done"
            self.publish(job)
            return
        try:
            job.result = flight.task.combine([flight.results[i] for i in range(flight.chunks)], flight.params)
        except Exception as exc:
            log.exception("merging the results of job %s failed", job.id)
            self._finish(session, job, flight, JobStatus.FAILED, f"merging the results failed: {exc}")
            return
        job.progress = 100.0
        self._finish(session, job, flight, JobStatus.SUCCEEDED, None)

    def _finish(
        self, session: Session, job: Job, flight: Flight, status: JobStatus, error: str | None
    ) -> None:
        self._flights.pop(job.id, None)
        for key in list(flight.live):
            self.engine.cancel(key)
        if flight.started is not None:
            metrics.RUN_TIME.labels(job.type).observe(time.monotonic() - flight.started)
        self._end(session, job, status, error)

    def _end(self, session: Session, job: Job, status: JobStatus, error: str | None) -> None:
        """Records a terminal state, then queues the job again if that end allows it and attempts remain."""
        self._changed[job.id] = job
        store.transition(job, status)
        job.error = error
        metrics.JOBS_ENDED.labels(job.type, status.value, job.node or "").inc()
        self.publish(job)
        if status in AUTO_RETRY and job.attempts <= job.max_retries and not job.cancel_requested:
            now = store.utcnow()
            store.transition(job, JobStatus.QUEUED, now)
            job.scheduled_at = store.retry_at(now, job.attempts, self.settings.job_retry_backoff_s)
            store.add_logs(
                session,
                job,
                "service",
                f"{status.value}: {error}; retrying at {job.scheduled_at}Z",
                self.settings.job_log_limit,
            )
            metrics.JOB_RETRIES.labels(job.type).inc()
            self._maybe_due = True
            self.publish(job)

    def _take_cancels(self, now: float) -> None:
        while True:
            try:
                job_id = self._cancels.get_nowait()
            except Empty:
                break
            flight = self._flights.get(job_id)
            if flight is not None:
                # The API has written the flag (before asking); the copy follows, for `_end`.
                flight.job.cancel_requested = True
                if flight.stopping is None:
                    self._begin_stop(flight, JobStatus.CANCELLED, now)

    def _stop_jobs(self, session: Session, now: float) -> None:
        for flight in list(self._flights.values()):
            if flight.stopping is None and flight.deadline is not None and now >= flight.deadline:
                self._begin_stop(flight, JobStatus.TIMED_OUT, now)
            elif flight.stopping is not None and now - (flight.stop_since or now) > STOP_GRACE_S:
                message = _stop_message(flight.stopping) + " (the node did not confirm)"
                self._finish(session, flight.job, flight, flight.stopping, message)

    def _begin_stop(self, flight: Flight, target: JobStatus, now: float) -> None:
        flight.stopping, flight.stop_since = target, now
        for key in list(flight.live):
            self.engine.cancel(key)

    # -- dispatch ----------------------------------------------------------------------------------
    def _free_slots(self) -> int:
        """How many more dispy jobs the nodes that are up have room for."""
        in_flight = sum(len(flight.live) for flight in self._flights.values())
        return self.engine.capacity() * self.settings.jobs_per_cpu - in_flight

    def _claim_due(self, session: Session, now: float) -> list[tuple[Job, Flight, list[dict[str, Any]]]]:
        """Claims (queued → dispatched) as many due jobs as the nodes have room for, not committed yet."""
        free = self._free_slots()
        if free <= 0 or not (self._maybe_due or now >= self._next_scan):
            return []
        # Cleared before the query: a submission committed meanwhile sets it again.
        self._maybe_due, self._next_scan = False, now + TICK_S
        utc_now = store.utcnow()
        claimed = store.claim_due(session, utc_now, free)
        if len(claimed) == free:
            self._maybe_due = True  # more may be waiting
        ready = []
        for job in claimed:
            prepared = self._prepare(session, job, utc_now)
            if prepared is not None:
                ready.append((job, *prepared))
        return ready

    def _submit(self, session: Session, ready: list[tuple[Job, Flight, list[dict[str, Any]]]]) -> None:
        """Hands the claimed (and committed) jobs to dispy; commits again only if dispy refused one."""
        refused = False
        for job, flight, chunks in ready:
            self._flights[job.id] = flight
            metrics.JOBS_DISPATCHED.labels(job.type).inc()
            self.publish(job)
            context = flight.task.context(self.settings)
            try:
                for index, chunk in enumerate(chunks):
                    key = flight.key(index)
                    flight.live.add(key)
                    self.engine.submit(key, flight.task.node_source, flight.task.entry, chunk, context)
            except Exception as exc:
                log.exception("dispy refused job %s", job.id)
                self._finish(session, job, flight, JobStatus.FAILED, f"dispy refused the job: {exc}")
                refused = True
        if refused:
            self._save(session)
            session.commit()

    def _prepare(
        self, session: Session, job: Job, now: datetime
    ) -> tuple[Flight, list[dict[str, Any]]] | None:
        metrics.QUEUE_WAIT.labels(job.type).observe(
            max(0.0, (now - max(job.created_at, job.scheduled_at or job.created_at)).total_seconds())
        )
        task = self.registry.get(job.type)
        if task is None:
            self._end(session, job, JobStatus.FAILED, f"task type {job.type!r} is no longer installed")
            return None
        try:
            params = task.parameters.model_validate(job.parameters)
            chunks = task.chunks(params, session)
        except Exception as exc:
            self._end(session, job, JobStatus.FAILED, f"could not prepare the job: {exc}")
            return None
        if not chunks:
            job.result = task.combine([], params)
            self._end(session, job, JobStatus.SUCCEEDED, None)
            return None
        flight = Flight(job, job.attempts, task, params, len(chunks), job.timeout_s)
        return flight, chunks


def _split_host_port(spec: str) -> tuple[str, int]:
    host, _, port = spec.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else (spec, 9701)


def _prefixed(prefix: str, text: str) -> str:
    if not prefix or not text:
        return text
    return "\n".join(prefix + line for line in text.splitlines())


def _stop_message(status: JobStatus) -> str:
    return "cancelled on request" if status == JobStatus.CANCELLED else "stopped: ran past its timeout_s"
