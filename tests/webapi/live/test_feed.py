"""The coalescing of bus events into /ws batches (real EventBus, real asyncio queues)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from webapi.core.events import EventBus
from webapi.live.feed import FOLLOW_LINES_MAX, batches


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run in its own thread: the browser tests keep Playwright's loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _next_batch(
    bus: EventBus, publish: list[tuple[str, object]], period: float = 60.0, follow: int | None = None
) -> list[dict]:
    async with bus.subscribe() as queue:
        for type_, data in publish:
            bus.publish(type_, data)
        stream = batches(queue, period=period, follow=follow)
        try:
            return await anext(stream)
        finally:
            await stream.aclose()


def test_snapshots_keep_only_the_latest():
    batch = run(_next_batch(EventBus(), [("nodes", [i]) for i in range(10)] + [("overview", {"n": 1})]))
    assert batch == [{"type": "nodes", "data": [9]}, {"type": "overview", "data": {"n": 1}}]


def test_jobs_keep_the_latest_state_of_each_job():
    events = [
        ("job", {"id": 1, "status": "queued"}),
        ("job", {"id": 2, "status": "queued"}),
        ("job", {"id": 1, "status": "running"}),
    ]
    batch = run(_next_batch(EventBus(), events))
    assert batch == [
        {"type": "job", "data": {"id": 1, "status": "running"}},
        {"type": "job", "data": {"id": 2, "status": "queued"}},
    ]


def test_alert_changes_are_concatenated():
    events = [
        ("alert", {"fired": [{"id": 1}], "resolved": []}),
        ("alert", {"fired": [{"id": 2}], "resolved": [{"id": 1}]}),
    ]
    batch = run(_next_batch(EventBus(), events))
    assert batch == [{"type": "alert", "data": {"fired": [{"id": 1}, {"id": 2}], "resolved": [{"id": 1}]}}]


def test_other_event_types_are_not_forwarded():
    batch = run(_next_batch(EventBus(), [("internal", 1), ("overview", 2)]))
    assert batch == [{"type": "overview", "data": 2}]


def test_each_type_waits_for_its_own_period_and_a_burst_comes_as_one():
    async def scenario() -> list[list[dict]]:
        bus = EventBus()
        now = [0.0]
        async with bus.subscribe() as queue:
            stream = batches(queue, period=1.0, clock=lambda: now[0])
            bus.publish("nodes", "first")
            first = await anext(stream)
            bus.publish("nodes", "second")
            bus.publish("nodes", "third")
            bus.publish("overview", "quiet until now")
            second = await anext(stream)
            now[0] = 1.0
            third = await anext(stream)
            await stream.aclose()
        return [first, second, third]

    assert run(scenario()) == [
        [{"type": "nodes", "data": "first"}],
        [{"type": "overview", "data": "quiet until now"}],
        [{"type": "nodes", "data": "third"}],
    ]


def _lines(job_id: int, *ids: int) -> dict[str, object]:
    return {"job_id": job_id, "lines": [{"id": i, "text": f"line {i}"} for i in ids]}


def test_output_lines_go_only_to_the_connection_following_that_job_in_order():
    events = [
        ("job_log", _lines(7, 1, 2)),
        ("job_log", _lines(8, 3)),
        ("job_log", _lines(7, 4)),
        ("overview", 1),
    ]
    batch = run(_next_batch(EventBus(), events, follow=7))
    assert batch[0] == {"type": "job_log", "data": {**_lines(7, 1, 2, 4), "truncated": False}}
    assert run(_next_batch(EventBus(), events)) == [{"type": "overview", "data": 1}]


def test_a_flood_of_lines_is_cut_to_the_newest_and_says_so():
    events = [
        ("job_log", _lines(7, *range(i * 100, i * 100 + 100))) for i in range(FOLLOW_LINES_MAX // 100 + 1)
    ]
    (message,) = run(_next_batch(EventBus(queue_size=1000), events, follow=7))
    data = message["data"]
    assert data["truncated"] is True and len(data["lines"]) == FOLLOW_LINES_MAX
    assert data["lines"][-1]["id"] == FOLLOW_LINES_MAX + 99
