"""The audit store: writes in batches, filters, purges by age, bounds its columns and its memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from webapi.audit import service
from webapi.audit.service import AuditEntry, AuditFilters, AuditLog

T0 = datetime(2026, 11, 1, 12, 0, 0)


def _entry(minute: int, **changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "at": T0 + timedelta(minutes=minute),
        "token_name": "ci",
        "role": "operator",
        "method": "POST",
        "path": "/api/jobs",
        "target": None,
        "status": 201,
        "client": "127.0.0.1",
    }
    return AuditEntry(**{**fields, **changes})  # type: ignore[arg-type]


def test_filters_combine_and_pages_are_newest_first(sessions):
    entries = [
        _entry(0),
        _entry(1, token_name="(anonymous)", role=None, status=401),
        _entry(2, method="DELETE", path="/api/jobs/5", target="job_id=5", status=200),
        _entry(3, token_name="viewer", role="viewer", path="/api/cluster/nodes", status=403),
        _entry(4, path="/api/jobs_100%_done", status=500),
    ]
    with sessions() as session:
        service.write(session, entries)

        def paths(limit: int = 100, offset: int = 0, **filters: object) -> list[str]:
            rows, _total = service.query(session, AuditFilters(**filters), limit, offset)  # type: ignore[arg-type]
            return [f"{row.method} {row.path} {row.status}" for row in rows]

        assert paths()[0] == "POST /api/jobs_100%_done 500"
        assert paths(limit=2, offset=1) == ["POST /api/cluster/nodes 403", "DELETE /api/jobs/5 200"]
        assert paths(token_name="(anonymous)") == ["POST /api/jobs 401"]
        assert paths(method="DELETE") == ["DELETE /api/jobs/5 200"]
        assert paths(status_from=400, status_to=499) == ["POST /api/cluster/nodes 403", "POST /api/jobs 401"]
        assert paths(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == [
            "DELETE /api/jobs/5 200",
            "POST /api/jobs 401",
        ]
        # `%` and `_` in a prefix are plain characters, not patterns.
        assert paths(path_prefix="/api/jobs_100%") == ["POST /api/jobs_100%_done 500"]
        assert paths(path_prefix="/api/jobs/") == ["DELETE /api/jobs/5 200"]
        assert service.query(session, AuditFilters(method="POST"), 1, 0)[1] == 4


def test_long_values_are_cut_to_their_columns(sessions):
    with sessions() as session:
        service.write(session, [_entry(0, path="/" + "x" * 5000, token_name="t" * 100)])
        row = service.query(session, AuditFilters(), 1, 0)[0][0]
    assert len(row.path) == 1000 and len(row.token_name) == 64


def test_purge_removes_only_what_is_past_the_retention(sessions, monkeypatch):
    monkeypatch.setattr(service, "PURGE_BATCH", 2)  # several batches
    with sessions() as session:
        service.write(session, [_entry(minute) for minute in range(7)])
        assert service.purge(session, T0 + timedelta(minutes=5)) == 5
        assert [row.at for row in service.query(session, AuditFilters(), 10, 0)[0]] == [
            T0 + timedelta(minutes=6),
            T0 + timedelta(minutes=5),
        ]


def test_the_writer_batches_off_the_request_path_and_flushes_at_stop(sessions):
    async def scenario() -> None:
        log = AuditLog(sessions, retention_days=36500)
        await log.start()
        for minute in range(3):
            log.record(_entry(minute))
        with sessions() as session:  # recorded, not written yet: no request waits on the database
            assert service.query(session, AuditFilters(), 10, 0)[1] == 0
        await log.stop()

    asyncio.run(scenario())
    with sessions() as session:
        assert service.query(session, AuditFilters(), 10, 0)[1] == 3


def test_a_full_batch_drops_and_counts_instead_of_growing(sessions, monkeypatch):
    monkeypatch.setattr(service, "MAX_PENDING", 2)
    before = service.DROPPED._value.get()
    log = AuditLog(sessions, retention_days=1)
    for minute in range(5):
        log.record(_entry(minute))
    assert service.DROPPED._value.get() - before == 3
    asyncio.run(log.flush())
    with sessions() as session:
        assert service.query(session, AuditFilters(), 10, 0)[1] == 2


@pytest.mark.parametrize("retention_days", [1.0, 365.0])
def test_entries_past_the_retention_are_purged(sessions, retention_days):
    now = datetime.now(UTC).replace(tzinfo=None)
    with sessions() as session:
        service.write(session, [_entry(0, at=now - timedelta(days=30)), _entry(0, at=now)])
    AuditLog(sessions, retention_days=retention_days).purge_expired()
    with sessions() as session:
        assert service.query(session, AuditFilters(), 10, 0)[1] == (1 if retention_days < 30 else 2)


def test_entries_wait_for_a_database_that_refuses_them(sessions):
    from sqlalchemy.exc import OperationalError

    refusing = [True]

    def flaky_sessions():
        if refusing[0]:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return sessions()

    log = AuditLog(flaky_sessions, retention_days=1)
    log.record(_entry(0))
    assert asyncio.run(log.flush()) is False
    log.record(_entry(1))
    refusing[0] = False
    assert asyncio.run(log.flush()) is True
    with sessions() as session:
        assert [row.at.minute for row in service.query(session, AuditFilters(), 10, 0)[0]] == [1, 0]
