"""Output lines reported while a job runs: kept at once, in order, per attempt, whatever ends the job."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from tests.support.dispatcher_harness import Harness
from webapi.jobs.dispatch.claiming import SCAN_INTERVAL_S
from webapi.jobs.dispatch.engine_api import UpdateKind
from webapi.jobs.dispatch.flights import STOP_GRACE_S
from webapi.jobs.tables import JobLog


def _attempts(harness: Harness, job_id: int) -> list[tuple[int, str, str]]:
    with harness.runtime.sessions() as session:
        rows = session.execute(
            select(JobLog.attempt, JobLog.stream, JobLog.text)
            .where(JobLog.job_id == job_id)
            .order_by(JobLog.id)
        )
        return [(attempt, stream, text) for attempt, stream, text in rows]


def _running(harness: Harness, **fields: object) -> tuple[int, str]:
    harness.engine.node("n1")
    job_id = harness.add_job(**fields)
    harness.dispatcher.step()
    key = f"{job_id}/1/0"
    harness.engine.run(key)
    harness.dispatcher.step()
    return job_id, key


def test_lines_are_stored_while_the_job_runs_in_the_order_printed(harness: Harness):
    job_id, key = _running(harness)
    harness.engine.output(key, ("stdout", "one"), ("stderr", "warn"), ("stdout", "two"))
    harness.engine.output(key, ("stdout", "three"))
    harness.dispatcher.step()
    assert harness.job(job_id).status == "running"
    assert harness.logs(job_id) == [
        ("stdout", "one"),
        ("stderr", "warn"),
        ("stdout", "two"),
        ("stdout", "three"),
    ]
    harness.engine.finish(key, "done")
    harness.dispatcher.step()
    assert harness.job(job_id).status == "succeeded"
    assert [line for line in harness.logs(job_id) if line[0] == "stdout"][-1] == ("stdout", "three")


def test_a_cancelled_job_keeps_what_it_printed(harness: Harness):
    job_id, key = _running(harness, max_retries=2)
    harness.engine.output(key, ("stdout", "before the cancel"))
    harness.dispatcher.request_cancel(job_id)
    harness.dispatcher.step()
    # The node flushes what was left when it stopped the command, before confirming the stop.
    harness.engine.output(key, ("stderr", "while stopping"))
    harness.engine.report(key, UpdateKind.TERMINATED)
    harness.dispatcher.step()
    assert harness.job(job_id).status == "cancelled"
    assert harness.logs(job_id)[:2] == [("stdout", "before the cancel"), ("stderr", "while stopping")]


def test_a_job_stopped_at_its_timeout_without_confirmation_keeps_its_output(harness: Harness):
    job_id, key = _running(harness, timeout_s=5.0)
    harness.engine.output(key, ("stdout", "partial"))
    harness.clock.advance(5.0)
    harness.dispatcher.step()
    harness.clock.advance(STOP_GRACE_S + 0.1)
    harness.dispatcher.step()
    assert harness.job(job_id).status == "timed_out"
    assert ("stdout", "partial") in harness.logs(job_id)
    # A line the node sends after the service gave up belongs to an ended attempt: dropped.
    harness.engine.output(key, ("stdout", "too late"))
    harness.dispatcher.step()
    assert ("stdout", "too late") not in harness.logs(job_id)


def test_a_retried_job_keeps_each_attempts_output_apart(harness: Harness):
    harness.settings.job_retry_backoff_s = 0.0
    job_id, key = _running(harness, max_retries=1)
    harness.engine.output(key, ("stdout", "first try"))
    harness.engine.report(key, UpdateKind.ABANDONED, node="n1")
    harness.dispatcher.step()
    harness.clock.advance(SCAN_INTERVAL_S)
    harness.dispatcher.step()
    second = f"{job_id}/2/0"
    assert harness.engine.submitted_keys()[-1] == second
    harness.engine.run(second)
    harness.engine.output(second, ("stdout", "second try"))
    # The lost attempt's node comes back with more output: not mixed into the new attempt.
    harness.engine.output(key, ("stdout", "ghost"))
    harness.engine.finish(second, "ok")
    harness.dispatcher.step()
    lines = _attempts(harness, job_id)
    assert (1, "stdout", "first try") in lines and (2, "stdout", "second try") in lines
    assert not any(text == "ghost" for _a, _s, text in lines)
    # The service's note of the retry belongs to the attempt that ended.
    assert any(a == 1 and s == "service" and t.startswith("lost:") for a, s, t in lines)
    assert [a for a, _s, _t in lines] == sorted(a for a, _s, _t in lines)


def test_a_chunked_jobs_output_says_which_chunk(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": 2})
    harness.dispatcher.step()
    harness.engine.output(f"{job_id}/1/1", ("stdout", "from one"))
    harness.dispatcher.step()
    assert ("stdout", "[chunk 1] from one") in harness.logs(job_id)


def test_output_is_bounded_by_the_job_log_limit(harness: Harness):
    harness.settings.job_log_limit = 1024
    job_id, key = _running(harness)
    harness.engine.output(key, *[("stdout", "x" * 99)] * 20)
    harness.dispatcher.step()
    logs = harness.logs(job_id)
    assert logs[-1] == ("service", "[log limit reached: further output dropped]")
    assert len(logs) == 11


def test_new_lines_are_published_for_the_pages_following_the_job(harness: Harness):
    job_id, key = _running(harness)

    async def follow() -> dict[str, Any]:
        harness.runtime.events.bind_loop(asyncio.get_running_loop())
        async with harness.runtime.events.subscribe() as queue:
            harness.engine.output(key, ("stdout", "hello"))
            await asyncio.to_thread(harness.dispatcher.step)
            while True:
                event = await asyncio.wait_for(queue.get(), 10)
                if event.type == "job_log":
                    return dict(event.data)

    message = asyncio.run(follow())
    assert message["job_id"] == job_id
    (line,) = message["lines"]
    assert (line["stream"], line["text"], line["attempt"]) == ("stdout", "hello", 1)
    assert line["id"] == max(row.id for row in _rows(harness, job_id))


def _rows(harness: Harness, job_id: int) -> list[JobLog]:
    with harness.runtime.sessions() as session:
        return list(session.scalars(select(JobLog).where(JobLog.job_id == job_id)))
