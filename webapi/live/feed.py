"""Coalescing of the event bus into the `/ws` messages: each type goes out at most once per period.

While a type waits for its turn, `overview` and `nodes` keep only their latest snapshot, `job` keeps the
latest summary of each job, and `alert` change sets (`{"fired": [...], "resolved": [...]}`) are
concatenated. `job_log` (a job's new output lines) goes only to a connection that follows that job; its
lines are concatenated up to FOLLOW_LINES_MAX, past which the message says `truncated` (the page then
reads the rest from the REST API). An event whose type has been quiet for a period goes out at once, so
a lone update (or the `overview` that follows a `nodes` after each collection round) is not delayed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from webapi.core.events import Event

FEED_TYPES = frozenset({"overview", "nodes", "job", "alert", "job_log"})
PERIOD_SECONDS = 1.0
FOLLOW_LINES_MAX = 2000

Pending = dict[tuple[str, Any], Any]


def _merge_lines(pending: Pending, data: dict[str, Any]) -> None:
    previous = pending.get(("job_log", None))
    if previous is None:
        lines = list(data["lines"])[-FOLLOW_LINES_MAX:]
        truncated = len(data["lines"]) > FOLLOW_LINES_MAX
        pending[("job_log", None)] = {"job_id": data["job_id"], "lines": lines, "truncated": truncated}
        return
    previous["lines"].extend(data["lines"])
    if len(previous["lines"]) > FOLLOW_LINES_MAX:
        previous["lines"] = previous["lines"][-FOLLOW_LINES_MAX:]
        previous["truncated"] = True


def _merge(pending: Pending, event: Event, follow: int | None) -> None:
    if event.type not in FEED_TYPES:
        return
    if event.type == "job_log":
        if follow is not None and isinstance(event.data, dict) and event.data.get("job_id") == follow:
            _merge_lines(pending, event.data)
    elif event.type == "job":
        job_id = event.data.get("id") if isinstance(event.data, dict) else None
        pending[("job", job_id)] = event.data
    elif event.type == "alert" and ("alert", None) in pending:
        previous = pending[("alert", None)]
        pending[("alert", None)] = {
            key: [*previous.get(key, []), *event.data.get(key, [])] for key in ("fired", "resolved")
        }
    else:
        pending[(event.type, None)] = event.data


async def batches(
    queue: asyncio.Queue[Event],
    period: float = PERIOD_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    follow: int | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yields lists of `{"type", "data"}` messages, forever; `job_log` only of the job `follow`."""
    pending: Pending = {}
    last_sent: dict[str, float] = {}
    while True:
        now = clock()
        due = [key for key in pending if last_sent.get(key[0], float("-inf")) + period <= now]
        if due:
            for type_ in {type_ for type_, _ in due}:
                last_sent[type_] = now
            yield [{"type": key[0], "data": pending.pop(key)} for key in due]
            continue
        wait = min((last_sent[type_] + period for type_, _ in pending), default=None)
        try:
            event = await asyncio.wait_for(queue.get(), None if wait is None else wait - now)
        except TimeoutError:
            continue
        _merge(pending, event, follow)
        # Take the rest of a burst too, so that it coalesces instead of trickling out one by one.
        while not queue.empty():
            _merge(pending, queue.get_nowait(), follow)
