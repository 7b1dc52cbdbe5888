"""dispy's status callbacks called inline (`notify_inline`), against dispy's own worker loop; the cancel
that leaves a job dispy has sent (`cancel_if_waiting`; tests/jobs/test_placement.py drives it on a node);
many jobs in one hand-over (`submit_pinned`; every test with a dispynode drives it)."""

import logging
import queue
import threading

import dispy
import pytest

from webapi.jobs import dispy_compat
from webapi.jobs.dispy_compat import InlineNotices, notify_inline


class Core:
    """The part of dispy's `_Cluster` that delivers status callbacks: a queue and a thread running
    dispy's own `worker` loop on it."""

    worker = dispy._Cluster.worker

    def __init__(self) -> None:
        self.worker_Q: queue.Queue | InlineNotices = queue.Queue()
        self.worker_thread = threading.Thread(target=self.worker, daemon=True)


def test_callbacks_run_at_once_on_the_reporting_thread():
    core, seen = Core(), []
    core.worker_thread.start()
    notify_inline(core)
    core.worker_Q.put((lambda *args: seen.append((threading.current_thread(), args)), (1, "node", "job")))
    assert seen == [(threading.current_thread(), (1, "node", "job"))]


def test_what_was_queued_before_is_delivered_and_dispy_worker_stops():
    core, seen = Core(), []
    core.worker_Q.put((seen.append, ("queued before",)))
    core.worker_thread.start()
    notify_inline(core)
    assert seen == ["queued before"]
    assert not core.worker_thread.is_alive()


def test_dispy_shutdown_sequence_returns():
    core = Core()
    core.worker_thread.start()
    notify_inline(core)
    # dispy's `_Cluster.shutdown`: the stop signal, then waiting for the queue to be worked off.
    core.worker_Q.put(None)
    core.worker_Q.join()


def test_a_failing_callback_is_logged_and_does_not_raise(caplog):
    notices = InlineNotices()

    def fail(*_args: object) -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="webapi.jobs.dispy_compat"):
        notices.put((fail, (1, None, None)))
    assert "dispy status callback failed" in caplog.text


def test_switching_twice_changes_nothing():
    core = Core()
    core.worker_thread.start()
    notify_inline(core)
    switched = core.worker_Q
    notify_inline(core)
    assert core.worker_Q is switched


class _Core:
    """dispy's client core as `_cancel_if_waiting` sees it: only its `cancel_job` coroutine."""

    def __init__(self) -> None:
        self.cancelled: list[object] = []

    def cancel_job(self, job: object, task: object = None) -> str:
        self.cancelled.append(job)
        return "cancel_job coroutine"


def _run(coroutine, answer: int = 0) -> bool:
    """Drives a pycos coroutine by hand: what it yields (a sub-coroutine) answers `answer`."""
    with pytest.raises(StopIteration) as stop:
        coroutine.send(None)
        coroutine.send(answer)
    return stop.value.value


def test_cancel_if_waiting_cancels_only_a_job_dispy_has_not_sent():
    core, job = _Core(), dispy.DispyJob(None, (), {})
    assert _run(dispy_compat._cancel_if_waiting(core, job)) is True
    assert core.cancelled == [job]
    refused = dispy.DispyJob(None, (), {})
    assert _run(dispy_compat._cancel_if_waiting(core, refused), answer=-1) is False
    for status in (dispy.DispyJob.Running, dispy.DispyJob.Finished):
        sent = dispy.DispyJob(None, (), {})
        sent.status = status
        assert _run(dispy_compat._cancel_if_waiting(core, sent)) is False
    assert core.cancelled == [job, refused]


class _Submitting:
    """dispy's client core as `_submit_all` sees it: its `submit_job` coroutine, stood for by what it
    was asked (dispy answers it 0, or -1 for a node that is not up for the cluster)."""

    def submit_job(self, job: object, ip_addr: str, task: object = None) -> tuple[object, str]:
        return job, ip_addr


def test_submit_all_hands_every_job_over_in_one_run_and_says_which_dispy_took():
    up = "10.0.0.1"
    jobs = [("a", up), ("b", "10.0.0.2"), ("c", up)]
    coroutine = dispy_compat._submit_all(_Submitting(), jobs)
    asked = [coroutine.send(None)]
    with pytest.raises(StopIteration) as stop:
        while True:
            asked.append(coroutine.send(0 if asked[-1][1] == up else -1))
    assert asked == jobs
    assert stop.value.value == [True, False, True]
