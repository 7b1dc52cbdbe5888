"""The dispatcher's pure decisions: no database, no engine, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from webapi.jobs.dispatch import outcomes
from webapi.jobs.dispatch.engine_api import JobUpdate, UpdateKind
from webapi.jobs.dispatch.outcomes import Ending, StopAction
from webapi.jobs.states import JobStatus

T0 = datetime(2026, 1, 1, 12, 0, 0)


def _ended(kind: UpdateKind, **fields) -> JobUpdate:
    return JobUpdate(key="1/1/0", kind=kind, node="n1", at=0.0, **fields)


def test_chunk_keys_round_trip():
    assert outcomes.parse_key(outcomes.chunk_key(12, 3, 4)) == (12, 3, 4)


@pytest.mark.parametrize(
    ("update", "stopping", "ending"),
    [
        (_ended(UpdateKind.FINISHED, result={"ok": True, "result": 1}), None, None),
        (_ended(UpdateKind.ABANDONED), None, Ending(JobStatus.LOST, "node n1 stopped answering")),
        (
            _ended(UpdateKind.ABANDONED),
            JobStatus.CANCELLED,
            Ending(JobStatus.LOST, "node n1 stopped answering"),
        ),
        (_ended(UpdateKind.TERMINATED, exception="Boom"), None, Ending(JobStatus.FAILED, "Boom")),
        (_ended(UpdateKind.CANCELLED), None, Ending(JobStatus.FAILED, "terminated on the node")),
        (
            _ended(UpdateKind.TERMINATED),
            JobStatus.CANCELLED,
            Ending(JobStatus.CANCELLED, "cancelled on request"),
        ),
        (
            _ended(UpdateKind.CANCELLED),
            JobStatus.TIMED_OUT,
            Ending(JobStatus.TIMED_OUT, "stopped: ran past its timeout_s"),
        ),
        # A chunk that finished on its own while a stop was on its way ends as it says.
        (
            _ended(UpdateKind.FINISHED, result={"ok": False}),
            JobStatus.CANCELLED,
            Ending(JobStatus.FAILED, "failed"),
        ),
    ],
)
def test_what_an_ended_chunk_means_for_its_job(update, stopping, ending):
    assert outcomes.chunk_ending(update, stopping) == ending


@pytest.mark.parametrize(
    ("reply", "ending"),
    [
        ({"ok": True, "result": None}, None),
        ({"ok": False, "error": "exit 1", "traceback": "tb"}, Ending(JobStatus.FAILED, "exit 1", "tb")),
        ({"ok": False, "error": "killed", "timed_out": True}, Ending(JobStatus.TIMED_OUT, "killed")),
        ({"error": ""}, Ending(JobStatus.FAILED, "failed")),
        (None, Ending(JobStatus.FAILED, "unexpected reply None")),
        ("x" * 300, Ending(JobStatus.FAILED, "unexpected reply " + ("'" + "x" * 300)[:200])),
    ],
)
def test_a_finished_reply(reply, ending):
    assert outcomes.reply_ending(reply) == ending


def test_a_late_result_is_noted_with_its_outcome_and_other_late_updates_are_not():
    done = _ended(UpdateKind.FINISHED, result={"ok": True, "result": 1})
    assert outcomes.late_result_note(done, 1, 0) == (
        "late result: attempt 1 ended on n1 after the service had given it up: succeeded; "
        "not applied to the job"
    )
    failed = _ended(UpdateKind.FINISHED, result={"ok": False, "error": "exit code 2"})
    assert outcomes.late_result_note(failed, 2, 3) == (
        "late result: attempt 2 (chunk 3) ended on n1 after the service had given it up: "
        "failed: exit code 2; not applied to the job"
    )
    # The answers to the service's own stops, and a start, are no results.
    for kind in (UpdateKind.TERMINATED, UpdateKind.CANCELLED, UpdateKind.ABANDONED, UpdateKind.RUNNING):
        assert outcomes.late_result_note(_ended(kind), 1, 0) is None


def test_progress_reports():
    assert outcomes.reported_progress({"progress": 42.5, "message": "half"}) == (42.5, "half")
    assert outcomes.reported_progress({"progress": 250}) == (100.0, None)
    assert outcomes.reported_progress({"progress": None, "message": 7}) == (0.0, "7")
    assert outcomes.reported_progress({"message": "m" * 501}) == (0.0, "m" * 500)
    assert outcomes.reported_progress([50]) is None
    assert outcomes.chunks_progress(1, 3) == (33.3, "1 of 3 chunks done")


def test_chunk_output_is_prefixed_line_by_line_only_for_chunked_jobs():
    assert outcomes.prefixed(outcomes.chunk_prefix(2, 3), "a\nb") == "[chunk 2] a\n[chunk 2] b"
    assert outcomes.prefixed(outcomes.chunk_prefix(0, 1), "a\nb") == "a\nb"
    assert outcomes.prefixed("[chunk 0] ", "") == ""


@pytest.mark.parametrize(
    ("status", "attempts", "max_retries", "cancel_requested", "expected"),
    [
        (JobStatus.FAILED, 1, 1, False, True),
        (JobStatus.TIMED_OUT, 1, 1, False, True),
        (JobStatus.LOST, 1, 1, False, True),
        (JobStatus.FAILED, 2, 1, False, False),  # no attempt left
        (JobStatus.FAILED, 1, 1, True, False),  # cancel asked meanwhile
        (JobStatus.CANCELLED, 1, 3, False, False),
        (JobStatus.SUCCEEDED, 1, 3, False, False),
    ],
)
def test_retry_policy(status, attempts, max_retries, cancel_requested, expected):
    assert outcomes.retries(status, attempts, max_retries, cancel_requested) is expected


def test_backoff_doubles_per_attempt_up_to_an_hour():
    waits = [(outcomes.retry_at(T0, attempts, 10.0) - T0).total_seconds() for attempts in (0, 1, 2, 3, 20)]
    assert waits == [10.0, 10.0, 20.0, 40.0, 3600.0]
    assert outcomes.retry_at(T0, 5, 0.0) == T0


def test_queue_wait_counts_from_when_the_job_was_due():
    assert outcomes.queue_wait_s(T0 + timedelta(seconds=5), T0, None) == 5.0
    assert outcomes.queue_wait_s(T0 + timedelta(seconds=5), T0, T0 + timedelta(seconds=3)) == 2.0
    assert outcomes.queue_wait_s(T0, T0, T0 + timedelta(seconds=3)) == 0.0


def test_deadlines_and_stops():
    assert outcomes.deadline(100.0, 5.0) == 105.0
    assert outcomes.deadline(100.0, None) is None
    assert outcomes.stop_action(None, None, None, 1e9, 15.0) is None
    assert outcomes.stop_action(None, 105.0, None, 104.9, 15.0) is None
    assert outcomes.stop_action(None, 105.0, None, 105.0, 15.0) == StopAction.TIME_OUT
    # A stop under way is not started again; it is given up once the grace has passed.
    assert outcomes.stop_action(JobStatus.CANCELLED, 105.0, 200.0, 215.0, 15.0) is None
    assert outcomes.stop_action(JobStatus.CANCELLED, 105.0, 200.0, 215.1, 15.0) == StopAction.GIVE_UP
    assert outcomes.stop_action(JobStatus.TIMED_OUT, None, 0.0, 15.1, 15.0) == StopAction.GIVE_UP
