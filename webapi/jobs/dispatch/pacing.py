"""The thread that runs the dispatcher's steps: at once when woken, at least every TICK_S, and under
load no closer than STEP_GAP_S, so that each step gathers the ends of several jobs into one transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

TICK_S = 0.2
# Under load the engine reports an end every few milliseconds: while jobs keep ending, steps start at
# least this far apart. Only after a busy step: a lone job (or the next one submitted after it) never waits.
STEP_GAP_S = 0.16


def next_start(started: float, busy: bool) -> float:
    """The earliest time (monotonic) of the step after one that began at `started`."""
    return started + STEP_GAP_S if busy else 0.0


class Pacer:
    """Runs `step` (which says whether it was busy: more work follows at once) on a thread of its own."""

    def __init__(self, step: Callable[[], bool], name: str) -> None:
        self._step = step
        self._name = name
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float) -> None:
        """Ends the thread after its current step (waits up to `timeout` seconds for it)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        resume = 0.0
        while not self._stopping.is_set():
            self._wake.wait(TICK_S)
            pause = resume - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._wake.clear()
            started = time.monotonic()
            try:
                busy = self._step()
            except Exception:
                busy = False
                log.exception("job dispatcher step failed; retrying on the next tick")
            resume = next_start(started, busy)
