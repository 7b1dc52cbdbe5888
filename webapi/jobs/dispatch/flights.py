"""The jobs out with the engine, and the state machine that applies what the engine reports of them.

While a job is active, the dispatcher alone changes it: each flight keeps a detached copy of its row,
changes it in memory (through `store.transition`), and `save` writes the copies changed since the last
save in one statement, so a step costs a few statements whatever the number of jobs it touches.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from webapi.core.settings import Settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import metrics, store
from webapi.jobs.dispatch import outcomes
from webapi.jobs.dispatch.cost import NOTHING, NodeCosts, RunCost
from webapi.jobs.dispatch.engine_api import Engine, JobUpdate, UpdateKind
from webapi.jobs.dispatch.outcomes import Ending, StopAction
from webapi.jobs.registry import TaskType
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

log = logging.getLogger(__name__)

# How long a stop (cancel, timeout) may wait for the engine's confirmation before the service decides alone.
STOP_GRACE_S = 15.0


@dataclass
class Flight:
    """A dispatched attempt of a job, as the engine runs it, with the dispatcher's copy of the job's row."""

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
    # The node each chunk out was handed to, by key.
    placed: dict[str, str] = field(default_factory=dict)
    cost: RunCost = NOTHING
    # The generation of node costs last folded into `cost` (`NodeCosts.generation`).
    looked: int = -1

    @property
    def job_id(self) -> int:
        return self.job.id

    def key(self, chunk: int) -> str:
        return outcomes.chunk_key(self.job_id, self.attempt, chunk)


def _nobody(_job_id: int, _lines: list[dict[str, Any]]) -> None:
    pass


class Flights:
    """The attempts out with the engine, by job id. `publish` shows a changed job to listeners;
    `publish_lines` shows a job's new output lines (as written, with their ids); `requeued` is called
    when an end queued a job again."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        publish: Callable[[Job], None],
        *,
        requeued: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        costs: NodeCosts | None = None,
        publish_lines: Callable[[int, list[dict[str, Any]]], None] = _nobody,
    ) -> None:
        self._settings = settings
        self._costs = costs
        self._engine = engine
        self._publish = publish
        self._publish_lines = publish_lines
        self._requeued = requeued
        self._clock = clock
        self._flights: dict[int, Flight] = {}
        # Job copies changed since the last `save`.
        self._changed: dict[int, Job] = {}

    def __len__(self) -> int:
        return len(self._flights)

    def add(self, flight: Flight) -> None:
        self._flights[flight.job_id] = flight

    def chunks_out(self) -> int:
        """Chunks the engine holds (queued there or running)."""
        return sum(len(flight.live) for flight in self._flights.values())

    def loads(self) -> Counter[str]:
        """Chunks the engine holds, by the node they were handed to."""
        loads: Counter[str] = Counter()
        for flight in self._flights.values():
            loads.update(flight.placed[key] for key in flight.live)
        return loads

    def sample_cost(self) -> None:
        """Folds the nodes' current condition into the cost of each running flight."""
        for flight in self._flights.values():
            if flight.started is not None:
                self._see(flight)

    def _see(self, flight: Flight) -> None:
        costs = self._costs
        # Nothing collected: the cost stays unknown. Already folded in: a job that started and ended
        # between two looks at the nodes (most short ones) is looked at once.
        if costs is None or flight.looked == costs.generation:
            return
        flight.looked = costs.generation
        # A node that holds several chunks is looked at once per chunk: a look is idempotent.
        for node in flight.placed.values():
            flight.cost = flight.cost.joined(costs.cost(node))

    def save(self, session: Session) -> None:
        store.save_jobs(session, self._changed.values())
        self._changed.clear()

    # -- what the engine reports -------------------------------------------------------------------
    def apply(self, session: Session, update: JobUpdate) -> None:
        job_id, attempt, chunk = outcomes.parse_key(update.key)
        flight = self._flights.get(job_id)
        # An update of an attempt that already ended (lost, another chunk failed, a stop) changes nothing
        # but the job's log.
        if flight is None or flight.attempt != attempt:
            self._late(session, flight, update)
            return
        self._changed[job_id] = flight.job
        if update.kind == UpdateKind.RUNNING:
            self._running(session, flight, chunk, update)
        elif update.kind == UpdateKind.PROGRESS:
            self._progress(session, flight, update)
        elif update.kind == UpdateKind.OUTPUT:
            self._output(session, flight, chunk, update)
        else:
            self._chunk_ended(session, flight, chunk, update)

    def _log(self, session: Session, job: Job, stream: str, text: str) -> None:
        store.add_logs(session, job, stream, text, self._settings.job_log_limit)

    def _late(self, session: Session, flight: Flight | None, update: JobUpdate) -> None:
        """Records a result of an attempt that had ended (see `outcomes.late_result_note`) in the job's log,
        with its output; the job's state, result and node stay those of the attempt that owns it."""
        job_id, attempt, chunk = outcomes.parse_key(update.key)
        note = outcomes.late_result_note(update, attempt, chunk)
        if note is None:
            return
        # The dispatcher's copy when it holds one (a newer attempt in flight, or ended in this step);
        # else the row, of which only the log size is written back (a claim in this step may follow).
        held = flight.job if flight is not None else self._changed.get(job_id)
        job = held if held is not None else store.job_copy(session, job_id)
        if job is None:
            return  # deleted meanwhile (retention)
        log.warning("job %s: %s", job_id, note)
        metrics.LATE_RESULTS.labels(job.type, update.node or "").inc()
        prefix = f"[attempt {attempt}] "
        self._log(session, job, "service", note)
        self._log(session, job, "stdout", outcomes.prefixed(prefix, update.stdout))
        self._log(session, job, "stderr", outcomes.prefixed(prefix, update.stderr))
        if held is not None:
            self._changed[job_id] = held
        else:
            store.save_log_bytes(session, job)

    def _running(self, session: Session, flight: Flight, chunk: int, update: JobUpdate) -> None:
        job = flight.job
        if flight.chunks > 1:
            self._log(session, job, "service", f"chunk {chunk} running on {update.node}")
        if job.status == JobStatus.DISPATCHED:
            store.transition(job, JobStatus.RUNNING, update.reported_at)
            job.node = update.node
            flight.started = update.at
            self._see(flight)
            flight.deadline = outcomes.deadline(update.at, flight.timeout_s)
            self._publish(job)

    def _progress(self, session: Session, flight: Flight, update: JobUpdate) -> None:
        # A chunked job's progress is its share of chunks done, not what one chunk says.
        report = outcomes.reported_progress(update.result) if flight.chunks == 1 else None
        if report is None:
            return
        job = flight.job
        job.progress, job.progress_message = report
        if job.progress_message:
            self._log(session, job, "progress", job.progress_message)
        self._publish(job)

    def _output(self, session: Session, flight: Flight, chunk: int, update: JobUpdate) -> None:
        """Lines the job printed while running: kept at once (a cancel, timeout or lost node later keeps
        them), and shown to the pages that follow the job."""
        prefix = outcomes.chunk_prefix(chunk, flight.chunks)
        lines = [(stream, prefix + text) for stream, text in update.output]
        job = flight.job
        written = store.add_lines(session, job, lines, self._settings.job_log_limit, returning=True)
        if written:
            self._publish_lines(job.id, written)

    def _chunk_ended(self, session: Session, flight: Flight, chunk: int, update: JobUpdate) -> None:
        job = flight.job
        flight.live.discard(flight.key(chunk))
        prefix = outcomes.chunk_prefix(chunk, flight.chunks)
        self._log(session, job, "stdout", outcomes.prefixed(prefix, update.stdout))
        self._log(session, job, "stderr", outcomes.prefixed(prefix, update.stderr))
        ending = outcomes.chunk_ending(update, flight.stopping)
        if ending is not None:
            if ending.traceback:
                self._log(session, job, "stderr", ending.traceback)
            self.finish(session, flight, ending, update.reported_at)
            return
        flight.results[chunk] = update.result.get("result")
        if len(flight.results) < flight.chunks:
            job.progress, job.progress_message = outcomes.chunks_progress(len(flight.results), flight.chunks)
            self._publish(job)
            return
        try:
            job.result = flight.task.combine([flight.results[i] for i in range(flight.chunks)], flight.params)
        except Exception as exc:
            log.exception("merging the results of job %s failed", job.id)
            self.finish(session, flight, Ending(JobStatus.FAILED, f"merging the results failed: {exc}"))
            return
        job.progress = 100.0
        self.finish(session, flight, Ending(JobStatus.SUCCEEDED, None), update.reported_at)

    # -- taking back --------------------------------------------------------------------------------
    def withdraw(self, session: Session, blocked: Mapping[str, str]) -> int:
        """Puts back in the queue the jobs handed to a node that takes no new job now (`blocked`: node →
        why) and that it has not started, as if never claimed: the attempt does not count. Only jobs of
        one chunk: a split job's other chunks may run elsewhere. Returns how many went back."""
        back = 0
        for flight in list(self._flights.values()):
            key = flight.key(0)
            node = flight.placed.get(key, "")
            if (
                node not in blocked
                or flight.chunks != 1
                or flight.stopping is not None
                or flight.job.status != JobStatus.DISPATCHED
                or not self._engine.withdraw(key)
            ):
                continue
            self._flights.pop(flight.job_id)
            job = flight.job
            store.transition(job, JobStatus.QUEUED)
            job.attempts -= 1
            self._changed[job.id] = job
            self._log(session, job, "service", f"taken back before it started: {blocked[node]}")
            self._publish(job)
            back += 1
        if back:
            self._requeued()
        return back

    # -- stops ------------------------------------------------------------------------------------
    def request_cancel(self, job_id: int, now: float) -> None:
        flight = self._flights.get(job_id)
        if flight is None:
            return
        # The API has written the flag (before asking); the copy follows, for `end`.
        flight.job.cancel_requested = True
        if flight.stopping is None:
            self._begin_stop(flight, JobStatus.CANCELLED, now)

    def stop_overdue(self, session: Session, now: float) -> None:
        """Stops the jobs past their deadline; ends those whose stop the engine never confirmed."""
        for flight in list(self._flights.values()):
            action = outcomes.stop_action(
                flight.stopping, flight.deadline, flight.stop_since, now, STOP_GRACE_S
            )
            if action == StopAction.TIME_OUT:
                self._begin_stop(flight, JobStatus.TIMED_OUT, now)
            elif action == StopAction.GIVE_UP and flight.stopping is not None:
                message = outcomes.stop_message(flight.stopping) + " (the node did not confirm)"
                self.finish(session, flight, Ending(flight.stopping, message))

    def _begin_stop(self, flight: Flight, target: JobStatus, now: float) -> None:
        flight.stopping, flight.stop_since = target, now
        for key in list(flight.live):
            self._engine.cancel(key)

    # -- ends -------------------------------------------------------------------------------------
    def finish(self, session: Session, flight: Flight, ending: Ending, at: datetime | None = None) -> None:
        """Ends a flight: its chunks still out are cancelled, then the job ends (see `end`)."""
        self._flights.pop(flight.job_id, None)
        for key in list(flight.live):
            self._engine.cancel(key)
        if flight.started is not None:
            metrics.RUN_TIME.labels(flight.job.type).observe(self._clock() - flight.started)
            self._see(flight)
        job, cost = flight.job, flight.cost
        # Written only when it differs (an earlier attempt's cost, or this one's): an ORM set costs.
        if (job.peak_temperature_celsius, job.throttled) != (cost.peak_temperature_celsius, cost.throttled):
            job.peak_temperature_celsius, job.throttled = cost.peak_temperature_celsius, cost.throttled
        self.end(session, flight.job, ending, at)

    def end(self, session: Session, job: Job, ending: Ending, at: datetime | None = None) -> None:
        """Records a terminal state (ended `at`, as the engine reported it; None: now), then queues the job
        again if that end allows it and attempts remain."""
        self._changed[job.id] = job
        store.transition(job, ending.status, at)
        job.error = ending.error
        metrics.JOBS_ENDED.labels(job.type, ending.status.value, job.node or "").inc()
        self._publish(job)
        if not outcomes.retries(ending.status, job.attempts, job.max_retries, job.cancel_requested):
            return
        now = naive_utc_now()
        store.transition(job, JobStatus.QUEUED, now)
        job.scheduled_at = outcomes.retry_at(now, job.attempts, self._settings.job_retry_backoff_s)
        self._log(
            session, job, "service", f"{ending.status.value}: {ending.error}; retrying at {job.scheduled_at}Z"
        )
        metrics.JOB_RETRIES.labels(job.type).inc()
        self._requeued()
        self._publish(job)
