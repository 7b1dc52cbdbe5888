"""What dispy 4.15.2 needs on Python 3.11+: `inspect.getargspec` (removed) for its status callbacks,
a way to see its log lines (a "secret" mismatch is only ever logged), status callbacks that cost no
thread hand-over (`notify_inline`), many jobs handed over in one hand-over (`submit_pinned`), and a cancel
that never reaches a job already sent (`cancel_if_waiting`)."""

from __future__ import annotations

import collections
import inspect
import logging
import re
import threading
from collections.abc import Callable, Generator
from typing import Any

import dispy
import pycos

log = logging.getLogger(__name__)

_ArgSpec = collections.namedtuple("_ArgSpec", "args varargs keywords defaults")


def _getargspec(func: Callable[..., Any]) -> _ArgSpec:
    spec = inspect.getfullargspec(func)
    return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def install_getargspec() -> None:
    if not hasattr(inspect, "getargspec"):
        inspect.getargspec = _getargspec  # type: ignore[attr-defined]


_SECRET_MISMATCH = re.compile(r'Ignoring node (\S+) \("secret" mismatch\)')
_VERSION_MISMATCH = re.compile(r"Ignoring node (\S+) due to version mismatch: (.*)")


class LogTap:
    """Replaces the stream of dispy's logger: lines go to `logging`, node refusals to `on_refused`."""

    def __init__(self, on_refused: Callable[[str, str], None]) -> None:
        self._on_refused = on_refused
        self._log = logging.getLogger("dispy")

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if not line.strip():
                continue
            self._log.info("%s", line)
            if match := _SECRET_MISMATCH.search(line):
                self._on_refused(
                    match.group(1),
                    "secret mismatch: the node and the service use different "
                    "dispy secrets (DISPYCLUSTER_DISPY_SECRET / dispynode -s)",
                )
            elif match := _VERSION_MISMATCH.search(line):
                self._on_refused(match.group(1), f"dispy version mismatch: {match.group(2)}")
        return len(text)

    def flush(self) -> None:
        return None


class InlineNotices:
    """Stands in for dispy's notification queue (`_Cluster.worker_Q`). dispy puts `(callback, args)`
    there for a worker thread of its own, three times per job (created, running, ended); this calls the
    callback at once, on the thread that reports it (dispy's scheduler). Each notice then costs a call
    instead of a queue item and two thread wake-ups, which with 2 CPUs shared with the node was ~0.1 ms
    of CPU per job. The callback must not block nor call dispy back: the engine's only records and wakes.
    """

    def put(self, item: tuple[Callable[..., Any], tuple[Any, ...]] | None, *_args: Any) -> None:
        if item is None:  # dispy's stop signal for its worker thread: there is none to stop
            return
        callback, args = item
        try:
            callback(*args)
        except Exception:
            # As dispy's worker does: a failing callback must not break dispy's scheduler.
            log.exception("dispy status callback failed")

    def get(self, *_args: Any) -> None:
        """What dispy's worker thread reads if it loops once more after the switch: its stop signal."""
        return None

    def task_done(self) -> None:
        pass

    def join(self) -> None:
        pass


def notify_inline(core: Any) -> None:
    """Makes dispy's client core (`JobCluster._cluster`) call the status callbacks inline: its worker
    thread first works off what is queued already, then stops."""
    queued = core.worker_Q
    if isinstance(queued, InlineNotices):
        return  # dispy's core is a singleton: a second cluster of the process finds it switched
    core.worker_Q = InlineNotices()
    queued.put(None)
    worker: threading.Thread | None = getattr(core, "worker_thread", None)
    if worker is not None:
        worker.join(timeout=5)


def _cancel_if_waiting(core: Any, job: Any, task: Any = None) -> Generator[Any, Any, bool]:
    # A pycos coroutine: dispy's scheduler thread runs it, so no send to the node can come between the
    # test and the cancel.
    if job.status != dispy.DispyJob.Created:
        return False
    answer = yield core.cancel_job(job, task=task)
    return bool(answer == 0)


def cancel_if_waiting(cluster: dispy.JobCluster, job: dispy.DispyJob) -> bool:
    """Cancels a job of a `JobCluster` only while dispy still holds it for its node (not sent yet): True
    when it did (dispy then reports it cancelled). dispy's own `cancel` terminates a job already sent."""
    return bool(pycos.Task(_cancel_if_waiting, cluster._cluster, job).value())


def _submit_all(core: Any, jobs: list[tuple[Any, str]], task: Any = None) -> Generator[Any, Any, list[bool]]:
    # A pycos coroutine, as `cancel_if_waiting`'s: the whole list in one run of dispy's scheduler thread.
    taken = []
    for job, ip in jobs:
        answer = yield core.submit_job(job, ip_addr=ip)
        taken.append(answer == 0)
    return taken


def pinned_job(cluster: dispy.JobCluster, key: str, args: tuple[Any, ...]) -> dispy.DispyJob:
    """dispy's job object for a call of the cluster's function with `args`, its id `key`, not handed
    over yet (`submit_pinned`)."""
    return dispy._DispyJob_(cluster._compute.id, key, args, {}).job


def submit_pinned(cluster: dispy.JobCluster, jobs: list[tuple[dispy.DispyJob, str]]) -> list[bool]:
    """Hands `(job, node address)` pairs to a `JobCluster`, each for its node alone, as `submit_job_id_node`
    does one at a time: that costs a pycos task per job, and the calling thread waits on dispy's scheduler
    thread for each. In `bench batch` the service's dispatcher and dispy threads took 1.71 s of CPU per
    1,000 jobs that way, 1.43 s this way. Whether dispy took each, in order (not: its node is not up)."""
    pairs = [(job._dispy_job_, ip) for job, ip in jobs]
    return list(pycos.Task(_submit_all, cluster._cluster, pairs).value())
