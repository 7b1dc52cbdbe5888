"""Coalescing of the event bus into the `/ws` messages: each type goes out at most once per period.

While a type waits for its turn, `overview` and `nodes` keep only their latest snapshot, `job` keeps the
latest summary of each job, and `alert` change sets (`{"fired": [...], "resolved": [...]}`) are
concatenated. An event whose type has been quiet for a period goes out at once, so a lone update (or the
`overview` that follows a `nodes` after each collection round) is not delayed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from webapi.core.events import Event

FEED_TYPES = frozenset({"overview", "nodes", "job", "alert"})
PERIOD_SECONDS = 1.0

Pending = dict[tuple[str, Any], Any]


def _merge(pending: Pending, event: Event) -> None:
    if event.type not in FEED_TYPES:
        return
    if event.type == "job":
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
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yields lists of `{"type", "data"}` messages, forever."""
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
        _merge(pending, event)
        # Take the rest of a burst too, so that it coalesces instead of trickling out one by one.
        while not queue.empty():
            _merge(pending, queue.get_nowait())
