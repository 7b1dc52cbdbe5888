"""Reads and writes on the `jobs` and `job_logs` tables; every state change goes through `transition`.

The dispatcher's statements (claim, save, logs) are Core statements built once: it runs one short
transaction per dispy event under load, where the ORM's unit of work cost more than SQLite itself.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Integer,
    Row,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session, configure_mappers

from webapi.core.timefmt import naive_utc_now
from webapi.jobs.states import ACTIVE, TERMINAL, JobStatus, check_transition
from webapi.jobs.tables import Job, JobCount, JobLog

LOG_TRUNCATED = "[log limit reached: further output dropped]"

# Job writers in this process (request threads, the dispatcher) take turns here instead of in SQLite:
# a writer SQLite finds busy sleeps in its busy handler for milliseconds, a waiter here wakes at once.
write_lock = threading.Lock()


def transition(job: Job, target: JobStatus, now: datetime | None = None) -> None:
    """The only place a job's status changes (the conditional claim/cancel updates below aside)."""
    now = now or naive_utc_now()
    check_transition(JobStatus(job.status), target)
    job.status = target.value
    if target == JobStatus.RUNNING:
        job.started_at = now
    elif target == JobStatus.QUEUED:
        job.started_at = job.finished_at = job.node = None
        job.progress, job.progress_message, job.cancel_requested = 0.0, None, False
    elif target not in ACTIVE:
        job.finished_at = now


@dataclass(frozen=True)
class JobFilters:
    status: JobStatus | None = None
    type: str | None = None
    node: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    labels: tuple[tuple[str, str], ...] = ()


class Order(StrEnum):
    DESC = "desc"
    ASC = "asc"


class Sort(StrEnum):
    """The columns of the jobs table a list can be sorted by."""

    CREATED = "created"
    ID = "id"
    NAME = "name"
    TYPE = "type"
    STATUS = "status"
    PROGRESS = "progress"
    DURATION = "duration"
    NODE = "node"
    PRIORITY = "priority"


# Sorted without NULLS LAST: the (…, created_at, id) indexes then serve the default order.
NEVER_NULL = frozenset(Sort) - {Sort.DURATION, Sort.NODE}


def _duration(session: Session) -> ColumnElement[Any]:
    """How long a job ran (or runs: until now), in days or seconds as the database computes it; NULL
    before it started."""
    end = func.coalesce(Job.finished_at, naive_utc_now())
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(Job.started_at)
    return func.extract("epoch", end - Job.started_at)


def _sort_key(session: Session, sort: Sort) -> ColumnElement[Any]:
    if sort == Sort.DURATION:
        return _duration(session)
    columns: dict[Sort, Any] = {
        Sort.CREATED: Job.created_at,
        Sort.ID: Job.id,
        Sort.NAME: Job.name,
        Sort.TYPE: Job.type,
        Sort.STATUS: Job.status,
        Sort.PROGRESS: Job.progress,
        Sort.NODE: Job.node,
        Sort.PRIORITY: Job.priority,
    }
    return cast(ColumnElement[Any], columns[sort])


def list_jobs(
    session: Session,
    filters: JobFilters,
    limit: int,
    offset: int,
    order: Order = Order.DESC,
    *,
    sort: Sort = Sort.CREATED,
) -> tuple[list[Job], int]:
    """By `sort` (creation time unless told), then id, descending unless `order` is asc (jobs without a
    value, such as no node yet, come last either way); the count uses the same conditions."""
    conditions = []
    if filters.status is not None:
        conditions.append(Job.status == filters.status.value)
    if filters.type is not None:
        conditions.append(Job.type == filters.type)
    if filters.node is not None:
        conditions.append(Job.node == filters.node)
    if filters.q:
        conditions.append(Job.name.contains(filters.q, autoescape=True))
    if filters.created_after is not None:
        conditions.append(Job.created_at >= filters.created_after)
    if filters.created_before is not None:
        conditions.append(Job.created_at < filters.created_before)
    # JSON path lookups, the same on SQLite (json_extract) and PostgreSQL (->>): bounded by the keys' rule.
    conditions += [Job.labels[key].as_string() == value for key, value in filters.labels]
    only_status = filters == JobFilters(status=filters.status)
    if only_status:
        total = _kept_total(session, filters.status)
    else:
        total = session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    key = _sort_key(session, sort)
    first = key.asc() if order == Order.ASC else key.desc()
    if sort not in NEVER_NULL:
        first = first.nulls_last()
    keys = (first, Job.id.asc() if order == Order.ASC else Job.id.desc())
    rows = session.scalars(select(Job).where(*conditions).order_by(*keys).limit(limit).offset(offset))
    return list(rows), total


# A mapped class's `__table__` is its Table; SQLAlchemy types the attribute as the wider FromClause.
_JOBS = cast(Table, Job.__table__)
# The placement as stored (JSON text): the dispatcher parses each distinct one once (a batch's jobs share
# theirs), where the column's own type would decode it again for every job.
_PLACEMENT_TEXT = sa_cast(_JOBS.c.placement, Text).label("placement")
_CLAIMED = [_PLACEMENT_TEXT if column.name == "placement" else column for column in _JOBS.c]
# The due jobs in queue order, with their placement: the dispatcher picks a node for each before claiming.
_CANDIDATES = (
    select(_JOBS.c.id, _PLACEMENT_TEXT)
    .where(
        _JOBS.c.status == JobStatus.QUEUED.value,
        or_(_JOBS.c.scheduled_at.is_(None), _JOBS.c.scheduled_at <= bindparam("now")),
    )
    .order_by(_JOBS.c.priority.desc(), _JOBS.c.id)
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
)
# What `claim_due` does, as one statement: the due subquery in queue order, then the conditional update.
_CLAIM_DUE = (
    update(_JOBS)
    # The outer status test guards against a concurrent cancel; as an expression, not the bare column,
    # or SQLite walks every queued job through the status index instead of looking up the few ids.
    .where(
        _JOBS.c.id.in_(_CANDIDATES.with_only_columns(_JOBS.c.id).offset(None).scalar_subquery()),
        func.coalesce(_JOBS.c.status, "") == JobStatus.QUEUED.value,
    )
    .values(status=JobStatus.DISPATCHED.value, attempts=_JOBS.c.attempts + 1)
    .returning(*_CLAIMED)
)
_UNCLAIM = (
    update(_JOBS)
    .where(_JOBS.c.id.in_(bindparam("ids", expanding=True)), _JOBS.c.status == JobStatus.DISPATCHED.value)
    .values(status=JobStatus.QUEUED.value, attempts=_JOBS.c.attempts - 1)
)
_CLAIM_IDS = (
    update(_JOBS)
    .where(
        _JOBS.c.id.in_(bindparam("ids", expanding=True)),
        func.coalesce(_JOBS.c.status, "") == JobStatus.QUEUED.value,
    )
    .values(status=JobStatus.DISPATCHED.value, attempts=_JOBS.c.attempts + 1)
    .returning(*_CLAIMED)
)
_ACTIVE = select(_JOBS).where(_JOBS.c.status.in_([s.value for s in ACTIVE]))
# The columns the dispatcher owns while a job is active (`cancel_requested` belongs to the API);
# `attempts` goes back down when a job its node never started is taken back.
DISPATCHER_COLUMNS = (
    "status",
    "attempts",
    "started_at",
    "finished_at",
    "node",
    "progress",
    "progress_message",
    "result",
    "error",
    "log_bytes",
    "scheduled_at",
    "peak_temperature_celsius",
    "throttled",
)
_SAVE = update(_JOBS).where(_JOBS.c.id == bindparam("job_id"))
_LOGS = cast(Table, JobLog.__table__)
_INSERT_LOGS = insert(_LOGS)


# Makes a Job without running its constructor, as the ORM does for the rows it loads.
_new_job = inspect(Job).class_manager.new_instance


def _detached(rows: Sequence[Row[Any]]) -> list[Job]:
    """Jobs built from whole rows, in no session: the dispatcher keeps them while they are active. Filled
    as the ORM fills what it loads, the row's values as the attributes' own: the constructor's
    instrumented sets (with their change history, of no use here) cost ~40 µs a job, this ~5 µs."""
    # The constructor would configure the ORM's mappers on the process's first use; this may be that use.
    configure_mappers()
    jobs = []
    for row in rows:
        job = _new_job()
        job.__dict__.update(row._mapping)
        jobs.append(job)
    return jobs


def job_rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The jobs with these ids that still exist, as column → value, in id order."""
    rows = session.connection().execute(select(_JOBS).where(_JOBS.c.id.in_(ids)).order_by(_JOBS.c.id))
    return [dict(row._mapping) for row in rows]


def due_candidates(
    session: Session, now: datetime, limit: int, offset: int = 0
) -> list[tuple[int, str | None]]:
    """(id, placement as stored: JSON text or None) of due queued jobs in queue order, from `offset` on."""
    rows = session.connection().execute(_CANDIDATES, {"now": now, "limit": limit, "offset": offset})
    return [(row.id, row.placement) for row in rows]


class Claimed(NamedTuple):
    """A claimed job's detached copy, and its placement as stored (JSON text or None)."""

    job: Job
    placement: str | None


@functools.lru_cache(maxsize=1024)
def _placement_value(text: str) -> dict[str, Any] | None:
    # Copies of jobs with the same placement share its dict: nothing changes a copy's placement.
    return cast(dict[str, Any] | None, json.loads(text))


def _claimed(rows: Sequence[Row[Any]]) -> list[Claimed]:
    """The claimed rows as copies in queue order (RETURNING comes in no particular order)."""
    claimed = []
    for job, row in zip(_detached(rows), rows, strict=True):
        text: str | None = row.placement
        job.__dict__["placement"] = None if text is None else _placement_value(text)
        claimed.append(Claimed(job, text))
    return sorted(claimed, key=lambda item: (-item.job.priority, item.job.id))


def claim_due(session: Session, now: datetime, limit: int) -> list[Claimed]:
    """queued → dispatched for up to `limit` jobs whose time has come, in queue order (higher priority
    first, then first in, first out): one `UPDATE … RETURNING`, so no other writer can take them."""
    check_transition(JobStatus.QUEUED, JobStatus.DISPATCHED)
    return _claimed(session.connection().execute(_CLAIM_DUE, {"now": now, "limit": limit}).all())


def unclaim(session: Session, ids: list[int]) -> None:
    """Undoes `claim_due` for the jobs `ids` in the same transaction (no node could take them)."""
    session.connection().execute(_UNCLAIM, {"ids": ids})


def claim_ids(session: Session, ids: list[int]) -> list[Claimed]:
    """queued → dispatched for the jobs `ids` still queued (a cancel may have come first), in queue order,
    like `claim_due`."""
    check_transition(JobStatus.QUEUED, JobStatus.DISPATCHED)
    if not ids:
        return []
    return _claimed(session.connection().execute(_CLAIM_IDS, {"ids": ids}).all())


def save_jobs(session: Session, jobs: Iterable[Job]) -> None:
    """Writes the dispatcher's columns of `jobs` (detached copies) in one executemany `UPDATE`."""
    values = [{"job_id": job.id} | {name: getattr(job, name) for name in DISPATCHER_COLUMNS} for job in jobs]
    if values:
        session.connection().execute(_SAVE, values)


def job_copy(session: Session, job_id: int) -> Job | None:
    """A detached copy of one job's row, like `claim_due`'s; None when it is gone."""
    row = session.connection().execute(select(_JOBS).where(_JOBS.c.id == job_id)).first()
    return _detached([row])[0] if row is not None else None


def save_log_bytes(session: Session, job: Job) -> None:
    """Writes only the log size of a job copy that `add_logs` grew: its other columns may be stale."""
    session.connection().execute(update(_JOBS).where(_JOBS.c.id == job.id).values(log_bytes=job.log_bytes))


def cancel_if_queued(session: Session, job: Job) -> bool:
    check_transition(JobStatus.QUEUED, JobStatus.CANCELLED)
    # A DML statement's result is a CursorResult (it has the rowcount); execute() is typed for any statement.
    done = cast(
        CursorResult[Any],
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.CANCELLED.value, finished_at=naive_utc_now())
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(job)
    return done.rowcount == 1


def queue_position(session: Session, job: Job, now: datetime) -> int | None:
    """Where a queued job stands in the queue (1: claimed next), counting only jobs due by `now`;
    None when the job is not queued or not due yet (it waits for its `scheduled_at`)."""
    if job.status != JobStatus.QUEUED.value or (job.scheduled_at is not None and job.scheduled_at > now):
        return None
    ahead = select(func.count()).where(
        Job.status == JobStatus.QUEUED.value,
        or_(Job.scheduled_at.is_(None), Job.scheduled_at <= now),
        or_(Job.priority > job.priority, (Job.priority == job.priority) & (Job.id < job.id)),
    )
    return int(session.scalar(ahead) or 0) + 1


def active_jobs(session: Session) -> list[Job]:
    """Detached copies of the jobs dispatched or running, like `claim_due`'s."""
    return _detached(session.connection().execute(_ACTIVE).all())


def _kept_total(session: Session, status: JobStatus | None) -> int:
    query = select(func.coalesce(func.sum(JobCount.count), 0))
    if status is not None:
        query = query.where(JobCount.status == status.value)
    return int(session.scalar(query) or 0)


def counts_by_status(session: Session) -> dict[str, int]:
    """Every state with its count, from the trigger-kept `job_counts`."""
    counted = {status: count for status, count in session.execute(select(JobCount.status, JobCount.count))}
    return {status.value: int(counted.get(status.value, 0)) for status in JobStatus}


def purge_finished(session: Session, before: datetime, limit: int = 1000) -> int:
    """Deletes up to `limit` jobs that ended before `before`, with their logs; how many it deleted."""
    expired = (
        select(Job.id)
        .where(Job.status.in_([s.value for s in TERMINAL]), Job.finished_at < before)
        .limit(limit)
    )
    ids = list(session.scalars(expired))
    if not ids:
        return 0
    session.execute(delete(JobLog).where(JobLog.job_id.in_(ids)))
    session.execute(delete(Job).where(Job.id.in_(ids)))
    return len(ids)


def add_logs(session: Session, job: Job, stream: str, text: str, limit_bytes: int) -> None:
    """Appends `text` line by line to `stream` (see `add_lines`)."""
    if text:
        add_lines(session, job, [(stream, line) for line in text.splitlines()], limit_bytes)


def add_lines(
    session: Session, job: Job, lines: Iterable[tuple[str, str]], limit_bytes: int, *, returning: bool = False
) -> list[dict[str, Any]]:
    """Appends `(stream, text)` lines in their order, tagged with the job's current attempt, while the
    job's log stays under `limit_bytes` (`job.log_bytes` grows with it; the dispatcher saves that column
    with the job). One statement for all of them; with `returning`, the rows written with their ids."""
    if job.log_bytes >= limit_bytes:
        return []
    now = naive_utc_now()
    rows = []
    for stream, line in lines:
        size = len(line.encode()) + 1
        if job.log_bytes + size > limit_bytes:
            rows.append(_log_row(job, now, "service", LOG_TRUNCATED))
            job.log_bytes = limit_bytes
            break
        job.log_bytes += size
        rows.append(_log_row(job, now, stream, line))
    if not rows:
        return []
    if not returning:
        session.connection().execute(_INSERT_LOGS, rows)
        return rows
    written = session.connection().execute(
        _INSERT_LOGS.returning(_LOGS.c.id, sort_by_parameter_order=True), rows
    )
    ids: list[int] = list(written.scalars())
    return [row | {"id": id_} for row, id_ in zip(rows, ids, strict=True)]


def _log_row(job: Job, at: datetime, stream: str, text: str) -> dict[str, Any]:
    return {"job_id": job.id, "attempt": job.attempts, "at": at, "stream": stream, "text": text}


def logs_since(session: Session, job_id: int, since: int, limit: int) -> list[JobLog]:
    query = select(JobLog).where(JobLog.job_id == job_id, JobLog.id > since).order_by(JobLog.id).limit(limit)
    return list(session.scalars(query))
