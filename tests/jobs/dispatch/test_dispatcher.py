"""Every branch of the dispatcher's step, with the in-memory engine: claims, updates, ends, retries,
stops, refusals, merges, and the start-up recovery."""

from __future__ import annotations

import math
from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import update

from tests.support.dispatcher_harness import Harness
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.dispatch.claiming import SCAN_INTERVAL_S
from webapi.jobs.dispatch.depth import HORIZON_S, MAX_PER_CPU, WINDOW_S
from webapi.jobs.dispatch.engine_api import UpdateKind
from webapi.jobs.dispatch.flights import STOP_GRACE_S
from webapi.jobs.tables import Job


def test_a_job_is_claimed_run_and_succeeds(harness: Harness):
    engine = harness.engine
    engine.node("n1", cpus=1)
    job_id = harness.add_job("echo", {"text": "abc"})
    harness.dispatcher.step()
    # Committed as dispatched before the engine saw it, with the task's module, entry and context.
    assert harness.job(job_id).status == "dispatched"
    [sent] = engine.submitted
    assert sent.key == f"{job_id}/1/0" and sent.entry == "run" and "def run(" in sent.source
    assert sent.chunk == {"text": "abc"} and sent.context == {"limit": harness.settings.job_log_limit}

    engine.run(sent.key, node="n1")
    harness.dispatcher.step()
    running = harness.job(job_id)
    assert (running.status, running.node) == ("running", "n1") and running.started_at is not None

    engine.finish(sent.key, {"reversed": "cba"}, stdout="out 1\nout 2", stderr="warning")
    assert harness.dispatcher.step() is False  # nothing more is out
    done = harness.job(job_id)
    assert (done.status, done.result, done.progress, done.error) == (
        "succeeded",
        {"reversed": "cba"},
        100.0,
        None,
    )
    assert harness.logs(job_id) == [("stdout", "out 1"), ("stdout", "out 2"), ("stderr", "warning")]
    ended = REGISTRY.get_sample_value(
        "dispycluster_jobs_total", {"type": "echo", "status": "succeeded", "node": "n1"}
    )
    assert ended is not None and ended >= 1


def test_started_and_finished_are_when_the_engine_reported_them_not_when_the_step_wrote_them(
    harness: Harness,
):
    engine = harness.engine
    engine.node("n1", cpus=1)
    job_id = harness.add_job("echo", {"text": "abc"})
    harness.dispatcher.step()
    [sent] = engine.submitted
    started, ended = naive_utc_now() - timedelta(seconds=2), naive_utc_now() - timedelta(seconds=1)
    engine.report(sent.key, UpdateKind.RUNNING, reported_at=started)
    engine.finish(sent.key, {"reversed": "cba"}, reported_at=ended)
    harness.dispatcher.step()  # both applied in one step, a second or more after they happened
    done = harness.job(job_id)
    assert (done.status, done.started_at, done.finished_at) == ("succeeded", started, ended)


def test_jobs_wait_while_no_node_has_room_and_go_when_one_comes_up(harness: Harness):
    first, second = harness.add_job(), harness.add_job()
    harness.dispatcher.step()
    assert harness.engine.submitted == [] and harness.job(first).status == "queued"
    harness.engine.node("n1", cpus=1)  # two chunks per CPU (jobs_per_cpu)
    harness.dispatcher.step()
    assert harness.engine.submitted_keys() == [f"{first}/1/0", f"{second}/1/0"]
    third = harness.add_job()
    harness.dispatcher.step()
    assert harness.job(third).status == "queued"


def test_a_node_that_ends_chunks_fast_is_handed_more_than_its_count_per_cpu(harness: Harness):
    harness.engine.node("n1", cpus=1)  # two chunks per CPU (jobs_per_cpu)
    for _ in range(80):
        harness.add_job()
    harness.dispatcher.step()
    assert len(harness.engine.held) == 2
    ended = 0
    while ended < 30:  # a step every 0.1 s, each ending what the node held
        for key in list(harness.engine.held):
            harness.engine.finish(key)
            ended += 1
        harness.clock.advance(0.1)
        harness.dispatcher.step()
    # What it ends in HORIZON_S beyond its CPU, at its pace since its first end (up to MAX_PER_CPU).
    pace = harness.dispatcher.claims.pace.per_second("n1", harness.clock.now)
    assert len(harness.engine.held) == min(1 + math.ceil(pace * HORIZON_S), MAX_PER_CPU) > 2
    # A second later, one end: its pace is that end's, its room below what it holds, so the end is not
    # refilled.
    held = len(harness.engine.held)
    harness.engine.finish(next(iter(harness.engine.held)))
    harness.clock.advance(WINDOW_S)
    harness.dispatcher.step()
    assert len(harness.engine.held) == held - 1


def test_higher_priority_is_claimed_first(harness: Harness):
    harness.engine.node("n1", cpus=1)
    low = harness.add_job(priority=1)
    harness.add_job(priority=1)
    high = harness.add_job(priority=9)
    harness.dispatcher.step()
    assert harness.engine.submitted_keys() == [f"{high}/1/0", f"{low}/1/0"]


def test_a_full_claim_looks_again_at_once_and_a_scheduled_job_is_found_by_the_periodic_scan(harness: Harness):
    harness.engine.node("n1", cpus=1)
    later = harness.add_job(scheduled_at=naive_utc_now() + timedelta(hours=1))
    harness.dispatcher.step()
    assert harness.engine.submitted == []
    # Its time comes (moved in the table): nothing said a job may be due, so only the next scan finds it.
    with harness.runtime.sessions() as session:
        session.execute(
            update(Job).where(Job.id == later).values(scheduled_at=naive_utc_now() - timedelta(seconds=1))
        )
        session.commit()
    harness.dispatcher.step()
    assert harness.engine.submitted == []
    harness.clock.advance(SCAN_INTERVAL_S)
    harness.dispatcher.step()
    assert harness.engine.submitted_keys() == [f"{later}/1/0"]


def test_a_job_the_engine_does_not_take_fails_with_the_reason(harness: Harness):
    """dispy does not take the job (the dispy engine answers why): the job fails."""
    harness.engine.node("n1")
    harness.engine.refusal = "dispy refused the job"
    job_id = harness.add_job()
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("failed", "dispy refused the job: dispy refused the job")
    assert len(harness.dispatcher.flights) == 0


def test_only_the_jobs_the_engine_did_not_take_fail(harness: Harness):
    """The step hands all its jobs over at once; the engine's answer names the ones it refused."""
    harness.engine.node("n1")
    harness.engine.node("n2")
    harness.engine.refusals["n2"] = "dispy refused the job for node 'n2'"
    on_n1 = harness.add_job(placement={"nodes": ["n1"]})
    on_n2 = harness.add_job(placement={"nodes": ["n2"]})
    harness.dispatcher.step()
    assert harness.engine.submitted_keys() == [f"{on_n1}/1/0"]
    assert harness.job(on_n1).status == "dispatched"
    refused = harness.job(on_n2)
    assert refused.status == "failed"
    assert refused.error == "dispy refused the job: dispy refused the job for node 'n2'"
    assert list(harness.dispatcher.flights.loads()) == ["n1"]


def test_a_refused_job_with_attempts_left_is_queued_again_after_the_backoff(harness: Harness):
    harness.engine.node("n1")
    harness.engine.refusal = "no dispy node is configured"
    job_id = harness.add_job(max_retries=1)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.attempts, job.error) == (
        "queued",
        1,
        "dispy refused the job: no dispy node is configured",
    )
    wait = (job.scheduled_at - naive_utc_now()).total_seconds()
    assert 8 < wait <= harness.settings.job_retry_backoff_s
    assert any("retrying at" in text for _stream, text in harness.logs(job_id))


def test_a_task_type_no_longer_installed_fails_the_job(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("uninstalled")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("failed", "task type 'uninstalled' is no longer installed")
    assert harness.engine.submitted == []


def test_a_job_whose_parameters_no_longer_fit_fails_before_the_engine(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": -1})
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("failed", "could not prepare the job: parts must not be negative")
    assert harness.engine.submitted == []


def test_a_job_with_no_chunk_succeeds_with_the_merge_of_nothing(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": 0})
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.result) == ("succeeded", 0) and harness.engine.submitted == []


def test_chunks_run_apart_and_their_results_are_merged(harness: Harness):
    harness.engine.node("n1", cpus=2)
    job_id = harness.add_job("split", {"parts": 3})
    harness.dispatcher.step()
    keys = harness.engine.submitted_keys()
    assert keys == [f"{job_id}/1/{i}" for i in range(3)]
    assert [s.chunk for s in harness.engine.submitted] == [{"part": 0}, {"part": 1}, {"part": 2}]
    harness.engine.run(keys[1], node="n2")
    harness.engine.report(keys[1], UpdateKind.PROGRESS, "n2", result={"progress": 10, "message": "ignored"})
    harness.engine.finish(keys[1], 20, node="n2", stdout="b")
    assert harness.dispatcher.step() is True  # updates applied, the job is still out
    job = harness.job(job_id)
    assert (job.status, job.node, job.progress, job.progress_message) == (
        "running",
        "n2",
        33.3,
        "1 of 3 chunks done",
    )
    harness.engine.run(keys[0], node="n1")  # the job already runs: only logged
    harness.engine.finish(keys[0], 10, stdout="a")
    harness.engine.finish(keys[2], 30)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.node, job.result, job.progress) == ("succeeded", "n2", 60, 100.0)
    assert harness.logs(job_id) == [
        ("service", "chunk 1 running on n2"),
        ("stdout", "[chunk 1] b"),
        ("service", "chunk 0 running on n1"),
        ("stdout", "[chunk 0] a"),
    ]


def test_a_failed_merge_fails_the_job(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": 2, "fail_merge": True})
    harness.dispatcher.step()
    for key in harness.engine.submitted_keys():
        harness.engine.finish(key, 1)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("failed", "merging the results failed: the parts do not fit")


def test_a_failed_chunk_ends_the_attempt_and_the_others_are_cancelled_then_ignored(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": 3}, max_retries=1)
    harness.dispatcher.step()
    keys = harness.engine.submitted_keys()
    reply = {"ok": False, "error": "exit code 2", "traceback": "Traceback: boom"}
    harness.engine.report(keys[0], UpdateKind.FINISHED, result=reply, stderr="oops")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.attempts) == ("queued", 1)  # failed, then queued again: one retry allowed
    assert sorted(harness.engine.cancelled) == sorted(keys[1:])
    [out, traceback, retry] = harness.logs(job_id)
    assert (out, traceback) == (("stderr", "[chunk 0] oops"), ("stderr", "Traceback: boom"))
    assert retry[1].startswith("failed: exit code 2; retrying at")
    # A late end of the first attempt changes nothing.
    harness.engine.finish(keys[1], 5)
    harness.dispatcher.step()
    assert harness.job(job_id).status == "queued"


def test_what_a_finished_reply_says_decides_the_end(harness: Harness):
    harness.engine.node("n1", cpus=4)
    timed, odd = harness.add_job(), harness.add_job()
    harness.dispatcher.step()
    harness.engine.report(
        f"{timed}/1/0", UpdateKind.FINISHED, result={"ok": False, "timed_out": True, "error": "killed"}
    )
    harness.engine.report(f"{odd}/1/0", UpdateKind.FINISHED, result="not a dict")
    harness.dispatcher.step()
    assert (harness.job(timed).status, harness.job(timed).error) == ("timed_out", "killed")
    assert (harness.job(odd).status, harness.job(odd).error) == ("failed", "unexpected reply 'not a dict'")


def test_terminated_on_the_node_without_a_stop_is_a_failure(harness: Harness):
    harness.engine.node("n1")
    with_reason, without = harness.add_job(), harness.add_job()
    harness.dispatcher.step()
    harness.engine.report(f"{with_reason}/1/0", UpdateKind.TERMINATED, exception="MemoryError")
    harness.engine.report(f"{without}/1/0", UpdateKind.TERMINATED)
    harness.dispatcher.step()
    assert harness.job(with_reason).error == "MemoryError"
    assert (harness.job(without).status, harness.job(without).error) == ("failed", "terminated on the node")


def test_a_node_that_stops_answering_loses_the_job_which_runs_again_as_a_new_attempt(harness: Harness):
    harness.settings.job_retry_backoff_s = 0.0
    harness.engine.node("n1")
    job_id = harness.add_job(max_retries=1)
    harness.dispatcher.step()
    harness.engine.run(f"{job_id}/1/0")
    harness.engine.report(f"{job_id}/1/0", UpdateKind.ABANDONED, node="n1")
    harness.dispatcher.step()
    # Due at once (no backoff here), but queued again after that step's claim: the next scan takes it.
    harness.clock.advance(SCAN_INTERVAL_S)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.attempts, job.node) == ("dispatched", 2, None)
    assert harness.engine.submitted_keys()[-1] == f"{job_id}/2/0"
    assert any(
        text.startswith("lost: node n1 stopped answering; retrying at") for _s, text in harness.logs(job_id)
    )
    # The lost attempt's late result does not touch the new one, and is recorded in the job's log.
    harness.engine.finish(f"{job_id}/1/0", "late", stdout="first try")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.result) == ("dispatched", None)
    assert harness.logs(job_id)[-2:] == [
        (
            "service",
            "late result: attempt 1 ended on n1 after the service had given it up: succeeded; "
            "not applied to the job",
        ),
        ("stdout", "[attempt 1] first try"),
    ]
    harness.engine.finish(f"{job_id}/2/0", "retry", node="n2")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.result, job.attempts) == ("succeeded", "retry", 2)


def _lost_and_dispatched_again(harness: Harness) -> int:
    """A job lost on n1 and handed to the engine again as attempt 2."""
    harness.settings.job_retry_backoff_s = 0.0
    harness.engine.node("n1")
    harness.engine.node("n2")
    job_id = harness.add_job(max_retries=1)
    harness.dispatcher.step()
    harness.engine.run(f"{job_id}/1/0", node="n1")
    harness.engine.report(f"{job_id}/1/0", UpdateKind.ABANDONED, node="n1")
    harness.dispatcher.step()
    harness.clock.advance(SCAN_INTERVAL_S)
    harness.dispatcher.step()
    assert harness.engine.submitted_keys()[-1] == f"{job_id}/2/0"
    return job_id


def test_a_late_result_after_the_retry_succeeded_is_logged_and_changes_nothing_else(harness: Harness):
    job_id = _lost_and_dispatched_again(harness)
    harness.engine.run(f"{job_id}/2/0", node="n2")
    harness.engine.finish(f"{job_id}/2/0", "retry", node="n2")
    harness.dispatcher.step()
    before = harness.job(job_id)
    assert (before.status, before.node, before.result) == ("succeeded", "n2", "retry")
    late_series = ("dispycluster_job_late_results_total", {"type": before.type, "node": "n1"})
    counted = REGISTRY.get_sample_value(*late_series) or 0.0
    harness.engine.finish(f"{job_id}/1/0", "late", node="n1", stderr="slow disk")
    harness.dispatcher.step()
    assert REGISTRY.get_sample_value(*late_series) == counted + 1
    after = harness.job(job_id)
    assert (after.status, after.node, after.result, after.finished_at) == (
        "succeeded",
        "n2",
        "retry",
        before.finished_at,
    )
    note = (
        "late result: attempt 1 ended on n1 after the service had given it up: succeeded; "
        "not applied to the job"
    )
    assert harness.logs(job_id)[-2:] == [("service", note), ("stderr", "[attempt 1] slow disk")]
    # The log's size follows (the log limit holds for late lines too).
    assert after.log_bytes == before.log_bytes + len(note) + 1 + len("[attempt 1] slow disk") + 1


def test_a_late_result_in_the_step_that_ends_the_retry_is_logged_on_the_ended_copy(harness: Harness):
    job_id = _lost_and_dispatched_again(harness)
    harness.engine.finish(f"{job_id}/2/0", "retry", node="n2")
    harness.engine.finish(f"{job_id}/1/0", {"ok": False}, node="n1")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.result) == ("succeeded", "retry")
    assert harness.logs(job_id)[-1][1].startswith("late result: attempt 1 ended on n1")
    assert job.log_bytes == sum(len(text.encode()) + 1 for _stream, text in harness.logs(job_id))


def test_the_answers_to_the_services_own_stops_are_not_late_results(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job("split", {"parts": 2})
    harness.dispatcher.step()
    # Chunk 0 fails: the job ends, chunk 1 is cancelled and answers so.
    harness.engine.report(f"{job_id}/1/0", UpdateKind.FINISHED, result={"ok": False, "error": "boom"})
    harness.dispatcher.step()
    logged = harness.logs(job_id)
    harness.engine.report(f"{job_id}/1/1", UpdateKind.TERMINATED)
    harness.dispatcher.step()
    assert harness.logs(job_id) == logged


def test_progress_of_a_one_chunk_job_is_clamped_and_logged(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job()
    harness.dispatcher.step()
    key = f"{job_id}/1/0"
    harness.engine.report(key, UpdateKind.PROGRESS, result={"progress": 150, "message": "x" * 600})
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert job.progress == 100.0 and job.progress_message == "x" * 500
    harness.engine.report(key, UpdateKind.PROGRESS, result={"progress": -5})
    harness.engine.report(key, UpdateKind.PROGRESS, result="not a report")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.progress, job.progress_message) == (0.0, None)
    assert harness.logs(job_id) == [("progress", "x" * 500)]


def test_cancel_stops_the_chunks_and_the_confirmed_stop_is_not_retried(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job(max_retries=3)
    harness.dispatcher.step()
    key = f"{job_id}/1/0"
    harness.engine.run(key)
    harness.dispatcher.request_cancel(job_id)
    harness.dispatcher.request_cancel(job_id)  # asked twice: one stop
    harness.dispatcher.request_cancel(99999)  # not out: nothing to stop
    harness.dispatcher.step()
    assert harness.engine.cancelled == [key]
    harness.engine.report(key, UpdateKind.CANCELLED)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("cancelled", "cancelled on request")


def test_a_stop_the_node_never_confirms_ends_the_job_after_the_grace(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job()
    harness.dispatcher.step()
    harness.dispatcher.request_cancel(job_id)
    harness.dispatcher.step()
    harness.clock.advance(STOP_GRACE_S)
    harness.dispatcher.step()
    assert harness.job(job_id).status == "dispatched"
    harness.clock.advance(0.1)
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("cancelled", "cancelled on request (the node did not confirm)")


def test_a_job_past_its_timeout_is_stopped_as_timed_out(harness: Harness):
    harness.engine.node("n1")
    job_id = harness.add_job(timeout_s=5.0)
    harness.dispatcher.step()
    key = f"{job_id}/1/0"
    harness.engine.run(key)
    harness.dispatcher.step()
    harness.clock.advance(4.9)
    harness.dispatcher.step()
    assert harness.engine.cancelled == []
    harness.clock.advance(0.1)
    harness.dispatcher.step()
    assert harness.engine.cancelled == [key]
    harness.engine.report(key, UpdateKind.TERMINATED, exception="KeyboardInterrupt")
    harness.dispatcher.step()
    job = harness.job(job_id)
    assert (job.status, job.error) == ("timed_out", "stopped: ran past its timeout_s")


def test_a_job_dispatched_but_not_yet_running_has_no_deadline(harness: Harness):
    harness.engine.node("n1")
    harness.add_job(timeout_s=1.0)
    harness.dispatcher.step()
    harness.clock.advance(60)
    harness.dispatcher.step()
    assert harness.engine.cancelled == []


def test_start_up_marks_jobs_left_active_lost(harness: Harness):
    queued, active = harness.add_job(), harness.add_job()
    with harness.runtime.sessions() as session:
        session.execute(update(Job).where(Job.id == active).values(status="running", attempts=1))
        session.commit()
    harness.dispatcher.recover()
    job = harness.job(active)
    assert (job.status, job.error) == ("lost", "the service stopped while the job was active")
    assert harness.logs(active) == [("service", "the service restarted while this job was active")]
    assert harness.job(queued).status == "queued"
