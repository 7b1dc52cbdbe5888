"""Submissions: checked on the event loop, written by one thread in batches.

Concurrent `POST /api/jobs` calls share one transaction and one commit: the writer takes every
submission waiting in its queue, runs the types' `check` hooks, inserts the accepted ones with one
statement and answers each request through its future. A job is committed before anyone sees its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from queue import Empty, SimpleQueue
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import Session

from webapi.core.domain_errors import DomainError, FieldProblem, GoneError, InvalidError, validation_problems
from webapi.core.settings import Settings
from webapi.core.timefmt import naive_utc_now, to_naive_utc
from webapi.jobs import idempotency, placement_spec, store
from webapi.jobs.plugin_api import SessionJobReader
from webapi.jobs.registry import Registry, TaskType
from webapi.jobs.schemas import JobCreate
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

log = logging.getLogger(__name__)
JobRow = dict[str, Any]

# Jobs per write: concurrent single submissions share one; a batch is written whole, however large.
BATCH_MAX = 256
# Fields listed in the 422 of a batch with many invalid jobs.
FIELDS_MAX = 100
_INSERT = insert(Job).returning(Job.id, sort_by_parameter_order=True)
# SQLAlchemy can only keep RETURNING in parameter order on SQLite by inserting row by row (10,000
# statements for a full batch, twice the time). SQLite gives each new row the largest rowid plus one,
# so the ids of one multi-row INSERT rise in the order of its rows: sorting them gives that order.
_INSERT_SQLITE = insert(Job).returning(Job.id)


def insert_jobs(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Inserts the rows in batches of multi-row statements; their ids, in the order of `rows`."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return sorted(connection.execute(_INSERT_SQLITE, rows).scalars())
    return list(connection.execute(_INSERT, rows).scalars())


def prepare(registry: Registry, body: JobCreate) -> tuple[TaskType, BaseModel]:
    """The type and its validated parameters, or `InvalidError` naming the fields."""
    task = registry.get(body.type)
    if task is None:
        message = f"Unknown job type {body.type!r}; known types: {', '.join(registry.names()) or 'none'}"
        raise InvalidError(message, [FieldProblem("body.type", message)])
    try:
        params = task.parameters.model_validate(body.parameters)
    except ValidationError as exc:
        fields = validation_problems(exc.errors(), ("body", "parameters"))
        summary = "; ".join(f"{f.loc}: {f.message}" for f in fields)
        raise InvalidError(f"Invalid parameters for {body.type}: {summary}", fields) from None
    return task, params


def job_values(body: JobCreate, params: BaseModel, now: datetime) -> dict[str, Any]:
    return {
        "name": body.name,
        "type": body.type,
        "parameters": params.model_dump(mode="json"),
        "status": JobStatus.QUEUED.value,
        "priority": body.priority,
        "created_at": now,
        "scheduled_at": to_naive_utc(body.scheduled_at) if body.scheduled_at else None,
        "timeout_s": body.timeout_s,
        "max_retries": body.max_retries,
        "attempts": 0,
        "progress": 0.0,
        "cancel_requested": False,
        "log_bytes": 0,
        "labels": body.labels,
        "placement": body.placement.model_dump(mode="json") if body.placement is not None else None,
    }


@dataclass(frozen=True)
class Spec:
    """One job to create: its type, validated parameters and body; `loc` is where its errors point
    (`body` for a single submission, `body.jobs.3` in a batch)."""

    task: TaskType
    params: BaseModel
    body: JobCreate
    loc: str = "body"


# A new job's columns that the insert leaves to their defaults (NULL), for answering without a read.
_NOT_YET = dict.fromkeys(("started_at", "finished_at", "node", "progress_message", "result", "error"))


@dataclass(frozen=True)
class Accepted:
    """The jobs as rows (column → value): for 10,000 jobs, building ORM objects would cost more than
    inserting them."""

    jobs: list[JobRow]
    # True when an Idempotency-Key was seen before: `jobs` are the ones it created then, as they are now.
    replayed: bool = False

    def job(self) -> JobRow:
        """The job of a single submission; `GoneError` when its key was seen before and the job created
        then has been deleted since."""
        if not self.jobs:
            raise GoneError(f"The job created under this {idempotency.HEADER} has since been deleted")
        return self.jobs[0]


@dataclass
class Submission:
    """Jobs created together or not at all, and the Idempotency-Key they are created under, if any."""

    specs: list[Spec]
    claim: idempotency.Claim | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Accepted]


def relocated(error: DomainError, loc: str) -> DomainError:
    """`error`, of the same kind, pointing into the item at `loc` instead of the request's body."""
    if loc == "body":
        return error
    fields = [FieldProblem(loc + f.loc.removeprefix("body"), f.message) for f in error.fields]
    return type(error)(f"{loc}: {error.message}", fields or [FieldProblem(loc, error.message)])


def combined(errors: list[DomainError]) -> DomainError:
    """One error for the invalid items of a batch, of the first one's kind (the first FIELDS_MAX fields)."""
    fields = [field for error in errors for field in error.fields][:FIELDS_MAX]
    more = f" (and {len(errors) - 1} more invalid jobs)" if len(errors) > 1 else ""
    return type(errors[0])(errors[0].message + more, fields)


def _settle(future: asyncio.Future[Accepted], result: Accepted | None, error: BaseException | None) -> None:
    if future.done():  # the client went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class Intake:
    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        on_created: Callable[[list[JobRow]], None],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._on_created = on_created
        self._queue: SimpleQueue[Submission | None] = SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jobs-intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)

    async def submit(self, specs: list[Spec], claim: idempotency.Claim | None = None) -> Accepted:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Accepted] = loop.create_future()
        self._queue.put(Submission(specs, claim, loop, future))
        return await future

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            rows = len(first.specs)
            with contextlib.suppress(Empty):
                while rows < BATCH_MAX:
                    item = self._queue.get_nowait()
                    if item is None:
                        self._write(batch)
                        return
                    batch.append(item)
                    rows += len(item.specs)
            self._write(batch)

    def _values(
        self, item: Submission, session: Session, inventory: Callable[[], dict[str, Any]], now: datetime
    ) -> list[dict[str, Any]]:
        """The rows of `item`'s jobs, or one error for all its invalid jobs."""
        rows, errors = [], []
        for spec in item.specs:
            try:
                if spec.body.placement is not None and spec.body.placement.nodes:
                    placement_spec.check_nodes(spec.body.placement, inventory(), "body.placement")
                if spec.task.check is not None:
                    spec.task.check(spec.params, SessionJobReader(session), self._settings)
                rows.append(job_values(spec.body, spec.params, now))
            except DomainError as exc:
                errors.append(relocated(exc, spec.loc))
        if errors:
            raise combined(errors)
        return rows

    def _write(self, batch: list[Submission]) -> None:
        """One transaction for the batch; a submission that fails alone is answered alone, and every
        submission is answered (a future left unsettled would hang its request and shutdown)."""
        accepted: list[tuple[Submission, list[dict[str, Any]]]] = []
        replays: list[tuple[Submission, list[JobRow]]] = []
        # A key given twice in this write: the second waits for the first's record (the write after).
        later: list[Submission] = []
        keys: set[tuple[str, str]] = set()
        created: list[JobRow] = []
        now = naive_utc_now()
        try:
            with store.write_lock, self._sessions() as session:
                inventory = functools.cache(lambda: placement_spec.inventory_labels(session))
                for item in batch:
                    claim = item.claim
                    if claim is not None and (claim.scope, claim.key) in keys:
                        later.append(item)
                        continue
                    try:
                        if claim is not None and (ids := idempotency.recorded(session, claim)) is not None:
                            replays.append((item, store.job_rows(session, ids)))
                            continue
                        values = self._values(item, session, inventory, now)
                    except Exception as exc:
                        if not isinstance(exc, DomainError):
                            log.exception("checking %d submitted jobs failed", len(item.specs))
                        item.loop.call_soon_threadsafe(_settle, item.future, None, exc)
                        continue
                    if claim is not None:
                        keys.add((claim.scope, claim.key))
                    accepted.append((item, values))
                if accepted:
                    rows = [row for _, values in accepted for row in values]
                    new_ids = insert_jobs(session, rows)
                    created = [
                        {"id": job_id, **_NOT_YET, **row} for row, job_id in zip(rows, new_ids, strict=True)
                    ]
                    claims, start = [], 0
                    for item, values in accepted:
                        if item.claim is not None:
                            claims.append((item.claim, list(new_ids[start : start + len(values)])))
                        start += len(values)
                    idempotency.remember(session, claims, now)
                    session.commit()
        except Exception as exc:
            log.exception("writing %d submitted jobs failed", sum(len(values) for _, values in accepted))
            for item in batch:
                item.loop.call_soon_threadsafe(_settle, item.future, None, exc)
            return
        start = 0
        for item, values in accepted:
            jobs = created[start : start + len(values)]
            start += len(values)
            item.loop.call_soon_threadsafe(_settle, item.future, Accepted(jobs), None)
        for item, jobs in replays:
            item.loop.call_soon_threadsafe(_settle, item.future, Accepted(jobs, replayed=True), None)
        if created:
            self._on_created(created)
        if later:
            self._write(later)
