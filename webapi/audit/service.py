"""Recording mutations and reading them back.

`AuditLog.record` only appends to a bounded in-memory batch: the request never waits on a database
write. The background task writes the batch in one transaction about twice a second (at once when it
fills), and deletes rows older than `DISPYCLUSTER_AUDIT_RETENTION_DAYS` every hour. If the database
stays unreachable the batch is kept, up to `MAX_PENDING` entries; beyond that new entries are dropped
and counted (`dispycluster_audit_dropped_total`), so a flood of refused requests cannot exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from webapi.audit.tables import AuditRow
from webapi.core.background import in_thread_logged, stop_task
from webapi.core.health import PartHealth
from webapi.core.timefmt import naive_utc_now

log = logging.getLogger(__name__)

FLUSH_S = 0.5
BATCH = 500
MAX_PENDING = 20000
PURGE_INTERVAL_S = 3600.0
PURGE_BATCH = 5000
# Column sizes: longer values are cut (a path is bounded by the server's URL limit, not by us).
LIMITS = {"token_name": 64, "role": 16, "method": 16, "path": 1000, "target": 300, "client": 64}

DROPPED = Counter("dispycluster_audit_dropped", "Audit entries dropped because the batch was full.")
WRITTEN = Counter("dispycluster_audit_written", "Audit entries written to the database.")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    token_name: str
    role: str | None
    method: str
    path: str
    target: str | None
    status: int | None
    client: str | None

    def bounded(self) -> dict[str, object]:
        row = asdict(self)
        for column, limit in LIMITS.items():
            value = row[column]
            if isinstance(value, str) and len(value) > limit:
                row[column] = value[:limit]
        return row


@dataclass(frozen=True)
class AuditFilters:
    since: datetime | None = None
    until: datetime | None = None
    token_name: str | None = None
    method: str | None = None
    path_prefix: str | None = None
    status_from: int | None = None  # inclusive
    status_to: int | None = None  # inclusive


def query(session: Session, filters: AuditFilters, limit: int, offset: int) -> tuple[list[AuditRow], int]:
    """Newest first; the total counts every row the filters keep."""
    conditions = []
    if filters.since is not None:
        conditions.append(AuditRow.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditRow.at < filters.until)
    if filters.token_name is not None:
        conditions.append(AuditRow.token_name == filters.token_name)
    if filters.method is not None:
        conditions.append(AuditRow.method == filters.method)
    if filters.path_prefix:
        conditions.append(AuditRow.path.startswith(filters.path_prefix, autoescape=True))
    if filters.status_from is not None:
        conditions.append(AuditRow.status >= filters.status_from)
    if filters.status_to is not None:
        conditions.append(AuditRow.status <= filters.status_to)
    total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditRow)
        .where(*conditions)
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def write(session: Session, entries: list[AuditEntry]) -> None:
    session.execute(insert(AuditRow), [entry.bounded() for entry in entries])
    session.commit()


def purge(session: Session, before: datetime) -> int:
    """Deletes rows older than `before`, in short batches (never one long lock); returns how many."""
    removed = 0
    while True:
        ids = list(session.scalars(select(AuditRow.id).where(AuditRow.at < before).limit(PURGE_BATCH)))
        if not ids:
            return removed
        session.execute(delete(AuditRow).where(AuditRow.id.in_(ids)))
        session.commit()
        removed += len(ids)


class AuditLog:
    """The background writer (a service of the runtime) behind `record`."""

    name = "audit"

    def __init__(self, sessions: Callable[[], Session], retention_days: float) -> None:
        self._sessions = sessions
        self._retention = timedelta(days=retention_days)
        self._pending: list[AuditEntry] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_purge = 0.0

    def record(self, entry: AuditEntry) -> None:
        if len(self._pending) >= MAX_PENDING:
            DROPPED.inc()
            return
        self._pending.append(entry)
        if len(self._pending) >= BATCH:
            self._wake.set()

    def _write(self, batch: list[AuditEntry]) -> None:
        with self._sessions() as session:
            write(session, batch)
        WRITTEN.inc(len(batch))

    async def flush(self) -> bool:
        """Writes what is pending; False (logged) when the database refused it: kept for the next try,
        ahead of what came meanwhile (`record` still bounds the whole)."""
        batch, self._pending = self._pending, []
        if not batch:
            return True
        written = await in_thread_logged(
            lambda: self._write(batch), log, "audit: cannot write to the database yet"
        )
        if not written:
            self._pending[:0] = batch
        return written

    def purge_expired(self) -> None:
        with self._sessions() as session:
            removed = purge(session, naive_utc_now() - self._retention)
        if removed:
            log.info("audit: deleted %d entries older than the retention", removed)

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_S)
            self._wake.clear()
            if await self.flush() and time.monotonic() >= self._next_purge:
                await in_thread_logged(self.purge_expired, log, "audit: cannot purge old entries")
                self._next_purge = time.monotonic() + PURGE_INTERVAL_S

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="audit")

    async def stop(self) -> None:
        await stop_task(self._task)
        if not await self.flush():
            log.warning("audit: %d entries could not be written at shutdown", len(self._pending))

    async def probe(self) -> PartHealth | None:
        """No part of its own in the overview: its drops are counted in dispycluster_audit_dropped_total."""
        return None
