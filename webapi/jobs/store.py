"""Reads and writes on the `jobs` and `job_logs` tables; every state change goes through `transition`.

The dispatcher's statements (claim, save, logs) are Core statements built once: it runs one short
transaction per dispy event under load, where the ORM's unit of work cost more than SQLite itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, Row, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from webapi.jobs.models import Job, JobCount, JobLog
from webapi.jobs.states import ACTIVE, TERMINAL, JobStatus, check_transition

LOG_TRUNCATED = "[log limit reached: further output dropped]"

# Job writers in this process (request threads, the dispatcher) take turns here instead of in SQLite:
# a writer SQLite finds busy sleeps in its busy handler for milliseconds, a waiter here wakes at once.
write_lock = threading.Lock()


def naive_utc_now() -> datetime:
    """The current time in UTC without tzinfo, as the job tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)


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


class Order(StrEnum):
    DESC = "desc"
    ASC = "asc"


def list_jobs(
    session: Session, filters: JobFilters, limit: int, offset: int, order: Order = Order.DESC
) -> tuple[list[Job], int]:
    """By creation time (then id), newest first unless `order` is asc; the count uses the same conditions."""
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
    only_status = filters == JobFilters(status=filters.status)
    if only_status:
        total = _kept_total(session, filters.status)
    else:
        total = session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    keys = (Job.created_at, Job.id) if order == Order.ASC else (Job.created_at.desc(), Job.id.desc())
    rows = session.scalars(select(Job).where(*conditions).order_by(*keys).limit(limit).offset(offset))
    return list(rows), total


# A mapped class's `__table__` is its Table; SQLAlchemy types the attribute as the wider FromClause.
_JOBS = cast(Table, Job.__table__)
# The due jobs in queue order, with their placement: the dispatcher picks a node for each before claiming.
_CANDIDATES = (
    select(_JOBS.c.id, _JOBS.c.placement)
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
    .returning(*_JOBS.c)
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
    .returning(*_JOBS.c)
)
_ACTIVE = select(_JOBS).where(_JOBS.c.status.in_([s.value for s in ACTIVE]))
# The columns the dispatcher owns while a job is active (`cancel_requested` belongs to the API).
DISPATCHER_COLUMNS = (
    "status",
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
_INSERT_LOGS = insert(cast(Table, JobLog.__table__))


def _detached(rows: Sequence[Row[Any]]) -> list[Job]:
    """Jobs built from whole rows, in no session: the dispatcher keeps them while they are active."""
    return [Job(**row._mapping) for row in rows]


def due_candidates(
    session: Session, now: datetime, limit: int, offset: int = 0
) -> list[tuple[int, dict[str, Any] | None]]:
    """(id, placement) of due queued jobs in queue order, from `offset` on."""
    rows = session.connection().execute(_CANDIDATES, {"now": now, "limit": limit, "offset": offset})
    return [(row.id, row.placement) for row in rows]


def claim_due(session: Session, now: datetime, limit: int) -> list[Job]:
    """queued → dispatched for up to `limit` jobs whose time has come, in queue order (higher priority
    first, then first in, first out): one `UPDATE … RETURNING`, so no other writer can take them.
    The jobs returned are detached copies of the claimed rows."""
    check_transition(JobStatus.QUEUED, JobStatus.DISPATCHED)
    rows = session.connection().execute(_CLAIM_DUE, {"now": now, "limit": limit}).all()
    # RETURNING comes in no particular order.
    return sorted(_detached(rows), key=lambda job: (-job.priority, job.id))


def unclaim(session: Session, ids: list[int]) -> None:
    """Undoes `claim_due` for the jobs `ids` in the same transaction (no node could take them)."""
    session.connection().execute(_UNCLAIM, {"ids": ids})


def claim_ids(session: Session, ids: list[int]) -> list[Job]:
    """queued → dispatched for the jobs `ids` still queued (a cancel may have come first), as detached
    copies in queue order, like `claim_due`."""
    check_transition(JobStatus.QUEUED, JobStatus.DISPATCHED)
    if not ids:
        return []
    rows = session.connection().execute(_CLAIM_IDS, {"ids": ids}).all()
    # RETURNING comes in no particular order.
    return sorted(_detached(rows), key=lambda job: (-job.priority, job.id))


def save_jobs(session: Session, jobs: Iterable[Job]) -> None:
    """Writes the dispatcher's columns of `jobs` (detached copies) in one executemany `UPDATE`."""
    values = [{"job_id": job.id} | {name: getattr(job, name) for name in DISPATCHER_COLUMNS} for job in jobs]
    if values:
        session.connection().execute(_SAVE, values)


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
    """Appends `text` line by line while the job's log stays under `limit_bytes` (`job.log_bytes` grows
    with it; the dispatcher saves that column with the job)."""
    if not text or job.log_bytes >= limit_bytes:
        return
    now = naive_utc_now()
    rows = []
    for line in text.splitlines():
        size = len(line.encode()) + 1
        if job.log_bytes + size > limit_bytes:
            rows.append({"job_id": job.id, "at": now, "stream": "service", "text": LOG_TRUNCATED})
            job.log_bytes = limit_bytes
            break
        job.log_bytes += size
        rows.append({"job_id": job.id, "at": now, "stream": stream, "text": line})
    if rows:
        session.connection().execute(_INSERT_LOGS, rows)


def logs_since(session: Session, job_id: int, since: int, limit: int) -> list[JobLog]:
    query = select(JobLog).where(JobLog.job_id == job_id, JobLog.id > since).order_by(JobLog.id).limit(limit)
    return list(session.scalars(query))
