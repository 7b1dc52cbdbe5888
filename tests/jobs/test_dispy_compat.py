"""dispy's status callbacks called inline (`notify_inline`), against dispy's own worker loop."""

import logging
import queue
import threading

import dispy

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
