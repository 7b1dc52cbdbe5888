"""The dispatcher started as the service starts it (its own thread, the intake), on the in-memory engine."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.jobs.dispatch.conftest import Harness
from tests.support.processes import wait_until


def test_start_then_a_submission_wakes_the_thread_and_stop_closes_the_engine(harness: Harness):
    dispatcher, engine = harness.dispatcher, harness.engine
    engine.node("n1")

    async def run() -> None:
        await dispatcher.start()
        try:
            # The first step finds the room; later submissions wake the thread themselves.
            await asyncio.to_thread(wait_until, lambda: dispatcher.job_counts() is not None, 10)
            job_id = harness.add_job()
            await asyncio.to_thread(wait_until, lambda: engine.submitted_keys() == [f"{job_id}/1/0"], 10)
            engine.finish(f"{job_id}/1/0", "done")
            await asyncio.to_thread(wait_until, lambda: harness.job(job_id).status == "succeeded", 10)
        finally:
            await dispatcher.stop()

    asyncio.run(run())
    assert engine.closed
    # Jobs that end without a node (cancelled while queued, lost before running) have their series from
    # the start (no other test ends a split job that way).
    assert (
        REGISTRY.get_sample_value(
            "dispycluster_jobs_total", {"type": "split", "status": "timed_out", "node": ""}
        )
        == 0.0
    )
