"""Job states and the one table of allowed transitions.

`queued → dispatched → running → succeeded | failed | cancelled | timed_out | lost`; a queued job can be
cancelled at once, a dispatched job that its node never started can be taken back into the queue (the node
was drained or a guard tripped), and a job that ended in anything but success can be queued again (a retry).
`cancel_requested` is a flag on the job, not a state: the job keeps running until its node stops it.
"""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    LOST = "lost"


TERMINAL = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.TIMED_OUT, JobStatus.LOST}
)
ACTIVE = frozenset({JobStatus.DISPATCHED, JobStatus.RUNNING})
RETRYABLE = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.TIMED_OUT, JobStatus.LOST})
# Ends after which the service queues the job again by itself while attempts remain.
AUTO_RETRY = frozenset({JobStatus.FAILED, JobStatus.TIMED_OUT, JobStatus.LOST})

_ENDINGS = frozenset({JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.TIMED_OUT, JobStatus.LOST})
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.DISPATCHED, JobStatus.CANCELLED}),
    JobStatus.DISPATCHED: frozenset({JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED} | _ENDINGS),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED} | _ENDINGS),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset({JobStatus.QUEUED}),
    JobStatus.CANCELLED: frozenset({JobStatus.QUEUED}),
    JobStatus.TIMED_OUT: frozenset({JobStatus.QUEUED}),
    JobStatus.LOST: frozenset({JobStatus.QUEUED}),
}


class InvalidTransitionError(ValueError):
    def __init__(self, current: JobStatus, target: JobStatus) -> None:
        super().__init__(f"a {current.value} job cannot become {target.value}")
        self.current = current
        self.target = target


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: JobStatus, target: JobStatus) -> None:
    if not can_transition(current, target):
        raise InvalidTransitionError(current, target)
