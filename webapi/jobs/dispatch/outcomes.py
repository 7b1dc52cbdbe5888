"""Pure decisions of the dispatcher, with no I/O: what an engine update means for a job, when a job is
retried and when, when a running job is stopped, and how chunk keys and logs are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from webapi.jobs.dispatch.engine_api import JobUpdate, UpdateKind
from webapi.jobs.states import AUTO_RETRY, JobStatus

PROGRESS_MESSAGE_MAX = 500
OUTPUT_STREAMS = frozenset({"stdout", "stderr"})
# Bounds on one output message from a node (which sends at most 500 lines of 8 KiB a message).
OUTPUT_LINES_MAX = 1000
OUTPUT_LINE_MAX = 16384
BACKOFF_MAX_S = 3600.0


def chunk_key(job_id: int, attempt: int, chunk: int) -> str:
    """The engine's key of one chunk of one attempt: an update of an older attempt is recognised."""
    return f"{job_id}/{attempt}/{chunk}"


def parse_key(key: str) -> tuple[int, int, int]:
    job_id, attempt, chunk = (int(part) for part in key.split("/"))
    return job_id, attempt, chunk


@dataclass(frozen=True)
class Ending:
    """How an attempt ends: its terminal state, the error shown, and a traceback for the job's log."""

    status: JobStatus
    error: str | None
    traceback: str | None = None


def stop_message(status: JobStatus) -> str:
    return "cancelled on request" if status == JobStatus.CANCELLED else "stopped: ran past its timeout_s"


def chunk_ending(update: JobUpdate, stopping: JobStatus | None) -> Ending | None:
    """What an ended chunk (`update.kind` in `ENDED`) means for its job: the attempt's end, or None when
    the chunk succeeded (the job then waits for its other chunks). `stopping` is the end the dispatcher
    asked for (cancel, timeout), if it asked: a chunk killed then ends the job that way."""
    if update.kind == UpdateKind.ABANDONED:
        return Ending(JobStatus.LOST, f"node {update.node} stopped answering")
    if update.kind in (UpdateKind.TERMINATED, UpdateKind.CANCELLED):
        if stopping is not None:
            return Ending(stopping, stop_message(stopping))
        return Ending(JobStatus.FAILED, update.exception or "terminated on the node")
    return reply_ending(update.result)


def reply_ending(reply: Any) -> Ending | None:
    """A finished chunk's reply from `node_runtime.dispycluster_run`: None when it succeeded."""
    if isinstance(reply, dict) and reply.get("ok"):
        return None
    if not isinstance(reply, dict):
        return Ending(JobStatus.FAILED, f"unexpected reply {reply!r:.200}")
    status = JobStatus.TIMED_OUT if reply.get("timed_out") else JobStatus.FAILED
    return Ending(status, str(reply.get("error") or "failed"), reply.get("traceback") or None)


def late_result_note(update: JobUpdate, attempt: int, chunk: int) -> str | None:
    """The job's log line for a chunk result of an attempt the service had already ended (given up as
    lost when its node stopped answering, or stopped): the node ran it to its end after all. The result is
    not applied (a newer attempt may own the job), but the work was done, perhaps twice, and that is
    recorded. Other updates of such an attempt say nothing new: a terminated or cancelled chunk is the
    answer to the service's own stop."""
    if update.kind != UpdateKind.FINISHED:
        return None
    ending = reply_ending(update.result)
    outcome = "succeeded" if ending is None else f"{ending.status.value}: {ending.error}"
    which = f"attempt {attempt}" + (f" (chunk {chunk})" if chunk else "")
    return (
        f"late result: {which} ended on {update.node or 'an unknown node'} after the service had given it "
        f"up: {outcome}; not applied to the job"
    )


def reported_progress(result: Any) -> tuple[float, str | None] | None:
    """A provisional result as (percent clamped to 0..100, message), or None when it is not a report."""
    if not isinstance(result, dict):
        return None
    percent = max(0.0, min(100.0, float(result.get("progress") or 0.0)))
    message = result.get("message")
    return percent, (str(message)[:PROGRESS_MESSAGE_MAX] if message else None)


def reported_output(result: Any) -> tuple[tuple[str, str], ...] | None:
    """A provisional result carrying output lines (`{"output": [[stream, text], ...]}`, see
    `tasks.processing_node`) as `(stream, text)` pairs, bounded; None when it is not one. Lines of an
    unknown stream, or not text, are left out: the node's message is input like any other."""
    if not isinstance(result, dict) or not isinstance(result.get("output"), list):
        return None
    lines = []
    for entry in result["output"][:OUTPUT_LINES_MAX]:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            stream, text = entry
            if stream in OUTPUT_STREAMS and isinstance(text, str):
                lines.append((stream, text[:OUTPUT_LINE_MAX]))
    return tuple(lines)


def chunks_progress(done: int, chunks: int) -> tuple[float, str]:
    return round(100.0 * done / chunks, 1), f"{done} of {chunks} chunks done"


def prefixed(prefix: str, text: str) -> str:
    """Each line of `text` behind `prefix` (a chunk's output in its job's log)."""
    if not prefix or not text:
        return text
    return "\n".join(prefix + line for line in text.splitlines())


def chunk_prefix(chunk: int, chunks: int) -> str:
    return f"[chunk {chunk}] " if chunks > 1 else ""


def retries(status: JobStatus, attempts: int, max_retries: int, cancel_requested: bool) -> bool:
    """Whether the service queues a job again by itself after this end: attempts remain, the end is one
    that a new attempt may cure, and nobody asked to cancel the job."""
    return status in AUTO_RETRY and attempts <= max_retries and not cancel_requested


def retry_at(now: datetime, attempts: int, base_s: float) -> datetime:
    """Exponential backoff: base, 2x base, 4x base… capped at an hour."""
    return now + timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def queue_wait_s(now: datetime, created_at: datetime, scheduled_at: datetime | None) -> float:
    """How long a job waited from the time it was due (created, or scheduled later) until `now`."""
    return max(0.0, (now - max(created_at, scheduled_at or created_at)).total_seconds())


def deadline(started: float, timeout_s: float | None) -> float | None:
    """When a job that started running at `started` (monotonic) must be stopped, if it has a timeout."""
    return started + timeout_s if timeout_s else None


class StopAction(StrEnum):
    TIME_OUT = "time_out"  # ask the engine to stop the job: it ran past its timeout
    GIVE_UP = "give_up"  # the engine never confirmed the stop: end the job without it


def stop_action(
    stopping: JobStatus | None,
    deadline_at: float | None,
    stop_since: float | None,
    now: float,
    grace_s: float,
) -> StopAction | None:
    """What to do now about a job's stop: start one when its deadline passed, give up waiting for the
    engine's confirmation after `grace_s`, or nothing."""
    if stopping is None:
        return StopAction.TIME_OUT if deadline_at is not None and now >= deadline_at else None
    return StopAction.GIVE_UP if now - (stop_since if stop_since is not None else now) > grace_s else None
