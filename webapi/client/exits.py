"""The exit statuses of the client commands, one per way a job can end (the README lists them)."""

from __future__ import annotations

from enum import IntEnum

from webapi.jobs.states import JobStatus


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    # argparse's own status for bad arguments; the client's usage errors use it too.
    USAGE = 2
    CANCELLED = 3
    TIMED_OUT = 4
    LOST = 5
    # The service answered with an error (401, 404, 409, 422, 5xx…).
    REFUSED = 6
    # No answer at all: connection refused, unknown name, TLS failure, timeout.
    UNREACHABLE = 7
    # Ctrl-C, as shells report a SIGINT.
    INTERRUPTED = 130


_ENDINGS = {
    JobStatus.SUCCEEDED: ExitCode.OK,
    JobStatus.FAILED: ExitCode.FAILED,
    JobStatus.CANCELLED: ExitCode.CANCELLED,
    JobStatus.TIMED_OUT: ExitCode.TIMED_OUT,
    JobStatus.LOST: ExitCode.LOST,
}


def for_ending(status: str) -> ExitCode:
    """The exit status of a command that waited for a job which ended in `status` (a terminal one)."""
    return _ENDINGS[JobStatus(status)]
