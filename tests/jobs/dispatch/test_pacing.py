"""The step thread: woken at once, spaced out only after a busy step, alive after a failed step."""

from __future__ import annotations

import logging
import threading

import pytest

from webapi.jobs.dispatch.pacing import STEP_GAP_S, Pacer, next_start


def test_only_a_busy_step_delays_the_next():
    assert next_start(10.0, busy=True) == 10.0 + STEP_GAP_S
    assert next_start(10.0, busy=False) == 0.0


def test_a_failed_step_is_logged_and_the_thread_goes_on(caplog: pytest.LogCaptureFixture):
    calls: list[int] = []
    second = threading.Event()

    def step() -> bool:
        calls.append(1)
        if len(calls) == 1:
            pacer.wake()  # so that the next step does not wait for the tick
            raise RuntimeError("database is locked")
        second.set()
        return False

    pacer = Pacer(step, name="test-pacer")
    with caplog.at_level(logging.ERROR, logger="webapi.jobs.dispatch.pacing"):
        pacer.start()
        pacer.wake()
        assert second.wait(10)
        pacer.stop(10)
    assert "job dispatcher step failed" in caplog.text
    stopped_at = len(calls)
    assert not any(t.name == "test-pacer" for t in threading.enumerate())
    assert len(calls) == stopped_at


def test_stop_before_start_does_nothing():
    Pacer(lambda: False, name="never").stop(1)


def test_the_step_after_a_busy_one_still_comes():
    calls: list[int] = []
    after_busy = threading.Event()

    def step() -> bool:
        calls.append(1)
        if len(calls) == 1:
            pacer.wake()  # more work arrived during a busy step: the next one waits for the gap, then runs
        else:
            after_busy.set()
        return len(calls) == 1

    pacer = Pacer(step, name="busy-pacer")
    pacer.start()
    pacer.wake()
    try:
        assert after_busy.wait(10)
    finally:
        pacer.stop(10)
