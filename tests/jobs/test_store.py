"""The job table's reads and writes on a migrated database (no dispy involved)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from webapi.core.db import migrate
from webapi.core.runtime import Runtime
from webapi.core.settings import load_settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import store
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    """Both databases the service supports: the `job_counts` triggers differ between them."""
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(request.getfixturevalue("postgres").database())
        else:
            url = f"sqlite:///{tmp_path / 'jobs.db'}"
        runtime = Runtime.from_settings(load_settings(data_dir=tmp_path, database_url=url))
        migrate.upgrade(runtime.engine)
        yield runtime.sessions
        runtime.engine.dispose()


def _job(session, name: str, priority: int = 5, **fields) -> Job:
    job = Job(
        name=name,
        type="processing",
        parameters={},
        status="queued",
        priority=priority,
        created_at=naive_utc_now(),
        attempts=0,
        max_retries=0,
        progress=0.0,
        cancel_requested=False,
        log_bytes=0,
        **fields,
    )
    session.add(job)
    session.flush()
    return job


def test_claims_due_jobs_by_priority_then_arrival_and_not_before_their_time(sessions):
    with sessions() as session:
        now = naive_utc_now()
        for name, priority, scheduled_at in [
            ("low", 2, None),
            ("high", 9, None),
            ("later", 10, now + timedelta(hours=1)),
            ("high2", 9, None),
            ("mid", 5, None),
        ]:
            _job(session, name, priority, scheduled_at=scheduled_at)
        claimed = _claim(session, now, 3)
        assert [j.name for j in claimed] == ["high", "high2", "mid"]
        assert {(j.status, j.attempts) for j in claimed} == {("dispatched", 1)}
        session.expire_all()
        assert {session.get(Job, j.id).status for j in claimed} == {"dispatched"}
        assert [j.name for j in _claim(session, now + timedelta(hours=2), 5)] == ["later", "low"]
        assert _claim(session, now + timedelta(hours=2), 5) == []


def _claim(session, now, limit):
    ids = [job_id for job_id, _ in store.due_candidates(session, now, limit)]
    return [item.job for item in store.claim_ids(session, ids)]


def test_candidates_carry_the_placement_and_page_on_from_an_offset(sessions):
    with sessions() as session:
        first = _job(session, "first")
        second = _job(session, "second")
        session.get(Job, second.id).placement = {"labels": {"arch": "amd64"}}
        session.commit()
        now = naive_utc_now()
        # The placement as stored, JSON text: the dispatcher parses each distinct one once.
        candidates = store.due_candidates(session, now, 5)
        assert [(job_id, stored and json.loads(stored)) for job_id, stored in candidates] == [
            (first.id, None),
            (second.id, {"labels": {"arch": "amd64"}}),
        ]
        assert store.due_candidates(session, now, 5, offset=1) == candidates[1:]


def test_a_claimed_copy_carries_its_placement_and_the_text_it_was_read_from(sessions):
    with sessions() as session:
        anywhere, pinned = _job(session, "anywhere"), _job(session, "pinned")
        session.get(Job, pinned.id).placement = {"nodes": ["pi1"], "labels": {"arch": "arm64"}}
        session.commit()
        claimed = store.claim_ids(session, [anywhere.id, pinned.id])
        assert [(item.job.placement, item.placement and json.loads(item.placement)) for item in claimed] == [
            (None, None),
            (
                {"nodes": ["pi1"], "labels": {"arch": "arm64"}},
                {"nodes": ["pi1"], "labels": {"arch": "arm64"}},
            ),
        ]


def test_claiming_ids_skips_a_job_cancelled_meanwhile(sessions):
    with sessions() as session:
        kept, cancelled = _job(session, "kept"), _job(session, "cancelled")
        assert store.cancel_if_queued(session, cancelled)
        assert [item.job.name for item in store.claim_ids(session, [kept.id, cancelled.id])] == ["kept"]
        assert store.claim_ids(session, []) == []


def test_kept_counts_follow_inserts_transitions_and_deletes(sessions):
    with sessions() as session:
        jobs = [_job(session, f"j{i}") for i in range(5)]
        (claimed,) = _claim(session, naive_utc_now(), 1)
        assert claimed.id == jobs[0].id and claimed.status == "dispatched" and claimed.attempts == 1
        store.transition(claimed, JobStatus.RUNNING)
        store.transition(claimed, JobStatus.SUCCEEDED)
        store.save_jobs(session, [claimed])
        assert store.cancel_if_queued(session, jobs[1])
        session.execute(delete(Job).where(Job.id == jobs[2].id))
        session.commit()
        counted = {s: n for s, n in session.execute(select(Job.status, func.count()).group_by(Job.status))}
        kept = store.counts_by_status(session)
        assert (
            {k: v for k, v in kept.items() if v} == counted == {"queued": 2, "succeeded": 1, "cancelled": 1}
        )
        page, total = store.list_jobs(session, store.JobFilters(status=JobStatus.QUEUED), 1, 0)
        assert total == 2 and len(page) == 1
        assert store.list_jobs(session, store.JobFilters(), 50, 0)[1] == 4


def test_logs_stop_at_the_limit_with_a_marker(sessions):
    with sessions() as session:
        job = _job(session, "chatty")
        store.add_logs(
            session, job, "stdout", "\n".join(f"line {i:04d}" for i in range(100)), limit_bytes=100
        )
        session.commit()
        lines = store.logs_since(session, job.id, 0, 1000)
        assert [line.text for line in lines[:2]] == ["line 0000", "line 0001"]
        assert lines[-1].text == store.LOG_TRUNCATED and len(lines) == 11
        assert [line.text for line in store.logs_since(session, job.id, lines[8].id, 10)] == [
            "line 0009",
            store.LOG_TRUNCATED,
        ]


def test_purge_deletes_only_jobs_finished_before_the_cutoff_with_their_logs(sessions):
    with sessions() as session:
        now = naive_utc_now()
        old = _job(session, "old")
        old.status, old.finished_at = "succeeded", now - timedelta(days=40)
        recent = _job(session, "recent")
        recent.status, recent.finished_at = "failed", now - timedelta(days=1)
        _job(session, "waiting")
        store.add_logs(session, old, "stdout", "hello\n", 1024)
        session.commit()
        old_id = old.id

        assert store.purge_finished(session, now - timedelta(days=30)) == 1
        session.commit()
        names = sorted(session.scalars(select(Job.name)))
        assert names == ["recent", "waiting"]
        assert store.logs_since(session, old_id, 0, 100) == []
        assert store.counts_by_status(session)["succeeded"] == 0
        assert store.purge_finished(session, now - timedelta(days=30)) == 0


def test_every_column_of_the_jobs_table_sorts_both_ways_with_empty_values_last(sessions):
    with sessions() as session:
        now = naive_utc_now()
        short = _job(session, "b-short", 3, node="n2", started_at=now - timedelta(seconds=5), finished_at=now)
        long = _job(session, "a-long", 7, node="n1", started_at=now - timedelta(hours=1), finished_at=now)
        unstarted = _job(session, "c-queued", 5)
        session.commit()
        expected = {
            store.Sort.NAME: [long, short, unstarted],
            store.Sort.PRIORITY: [short, unstarted, long],
            store.Sort.DURATION: [short, long, unstarted],
            store.Sort.NODE: [long, short, unstarted],
            store.Sort.ID: [short, long, unstarted],
        }
        for sort, ascending in expected.items():
            rows, total = store.list_jobs(session, store.JobFilters(), 10, 0, store.Order.ASC, sort=sort)
            assert [job.id for job in rows] == [job.id for job in ascending], sort
            rows, _ = store.list_jobs(session, store.JobFilters(), 10, 0, store.Order.DESC, sort=sort)
            # A job without a value (no node, not started) stays last.
            has_none = sort not in store.NEVER_NULL
            descending = [*reversed(ascending[:-1]), unstarted] if has_none else list(reversed(ascending))
            assert [job.id for job in rows] == [job.id for job in descending], sort
            assert total == 3


def test_queue_position_counts_the_due_jobs_claimed_before(sessions):
    with sessions() as session:
        now = naive_utc_now()
        first = _job(session, "first", 5)
        urgent = _job(session, "urgent", 9)
        later = _job(session, "later", 9, scheduled_at=now + timedelta(hours=1))
        mine = _job(session, "mine", 5)
        running = _job(session, "running", 10)
        running.status = "running"
        session.commit()
        assert store.queue_position(session, urgent, now) == 1
        assert store.queue_position(session, first, now) == 2
        assert store.queue_position(session, mine, now) == 3
        assert store.queue_position(session, later, now) is None
        assert store.queue_position(session, running, now) is None


# In a fresh interpreter: the ORM configures its mappers on first use, and a Job filled without its
# constructor is not such a use.
_COPY_FIRST = """
from sqlalchemy import create_engine, insert, select
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import store
from webapi.jobs.tables import Job

engine = create_engine("sqlite://")
Job.metadata.create_all(engine)
with engine.begin() as connection:
    connection.execute(insert(store._JOBS).values(name="j", type="echo", parameters={}, status="running",
                                                  created_at=naive_utc_now(), priority=7))
    [job] = store._detached(connection.execute(select(store._JOBS)).all())
print(job.priority, job.name)
"""


def test_job_copies_need_no_earlier_use_of_the_orm():
    """The start-up recovery, or the first claim, may be the process's first use of the Job mapping."""
    argv = [sys.executable, "-c", _COPY_FIRST]
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "7 j\n"), done.stderr[-2000:]
