"""The dispatcher started as the service starts it (its own thread, the intake), on the in-memory engine."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.support.dispatcher_harness import ECHO, EchoParams, Harness
from tests.support.processes import wait_until
from webapi.jobs.intake import Spec
from webapi.jobs.schemas import JobCreate


def test_a_submission_wakes_the_thread_its_changes_are_published_and_stop_closes_the_engine(harness: Harness):
    dispatcher, engine = harness.dispatcher, harness.engine
    engine.node("n1")

    async def run() -> list[str]:
        harness.runtime.events.bind_loop(asyncio.get_running_loop())
        await dispatcher.start()
        try:
            async with harness.runtime.events.subscribe() as events:
                # The first step finds the room; from then on a submission wakes the thread itself.
                await asyncio.to_thread(wait_until, lambda: dispatcher.job_counts() is not None, 10)
                body = JobCreate(name="echo job", type="echo", parameters={"text": "x"})
                accepted = await dispatcher.intake.submit([Spec(ECHO, EchoParams(text="x"), body)])
                key = f"{accepted.jobs[0]['id']}/1/0"
                await asyncio.to_thread(wait_until, lambda: engine.submitted_keys() == [key], 10)
                engine.finish(key, "done")
                seen = []
                while not seen or seen[-1] != "succeeded":
                    event = await asyncio.wait_for(events.get(), 10)
                    seen.append(event.data["status"])
                return seen
        finally:
            await dispatcher.stop()

    assert asyncio.run(run()) == ["queued", "dispatched", "succeeded"]
    assert engine.closed
    # Jobs that end without a node (cancelled while queued, lost before running) have their series from
    # the start (no other test ends a split job that way).
    labels = {"type": "split", "status": "timed_out", "node": ""}
    assert REGISTRY.get_sample_value("dispycluster_jobs_total", labels) == 0.0


def test_the_engine_view_for_the_api(harness: Harness):
    harness.engine.node("n1", cpus=3)
    assert [(state.name, state.cpus) for state in harness.dispatcher.node_states()] == [("n1", 3)]
    assert harness.dispatcher.node_dispy("n1")["cpus"] == 3
    part = asyncio.run(harness.dispatcher.probe())
    assert (part.name, part.status) == ("jobs", "ok")
