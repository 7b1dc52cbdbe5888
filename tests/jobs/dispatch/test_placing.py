"""The dispatcher places each job on a node: placement, drains and guards, the waiting reason, and
what a run cost its node, with the in-memory engine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tests.support.dispatcher_harness import Harness, NodeWorld, make_harness
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.dispatch.engine_api import NodeStateName
from webapi.jobs.dispatch.guards import Condition, Drain
from webapi.jobs.dispatch.nodeboard import NodeFacts
from webapi.jobs.tables import Job

ARM = {"arch": "arm64"}
AMD = {"arch": "amd64"}


@pytest.fixture
def world() -> NodeWorld:
    return NodeWorld(
        facts={"pi1": NodeFacts("pi1", ARM), "pi2": NodeFacts("pi2", ARM), "amd": NodeFacts("amd", AMD)}
    )


@pytest.fixture
def placed(tmp_path: Path, migrated_sqlite: Path, world: NodeWorld) -> Iterator[Harness]:
    made = make_harness(tmp_path, migrated_sqlite, world)
    for name in ("pi1", "pi2", "amd"):
        made.engine.node(name, cpus=1)
    yield made
    made.runtime.engine.dispose()


def _nodes_of(harness: Harness) -> dict[str, str]:
    """Each submitted chunk's key → the node it was handed to."""
    return {s.key: s.node for s in harness.engine.submitted}


def _reason(harness: Harness, job_id: int) -> str | None:
    job = harness.job(job_id)
    return harness.dispatcher.waiting_reason(job.placement, job.scheduled_at)


def test_a_pinned_job_goes_to_its_node_and_labels_pick_among_matching_nodes(placed: Harness):
    pinned = placed.add_job(placement={"nodes": ["pi2"]})
    amd = placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    assert _nodes_of(placed) == {f"{pinned}/1/0": "pi2", f"{amd}/1/0": "amd"}


def test_jobs_spread_over_the_nodes_with_most_room(placed: Harness):
    jobs = [placed.add_job() for _ in range(6)]  # 3 nodes x 1 CPU x 2 jobs per CPU
    placed.dispatcher.step()
    assert sorted(_nodes_of(placed).values()) == ["amd", "amd", "pi1", "pi1", "pi2", "pi2"]
    assert {placed.job(j).status for j in jobs} == {"dispatched"}


def test_a_job_for_a_busy_node_waits_without_blocking_the_jobs_behind_it(placed: Harness):
    first = [placed.add_job(placement={"nodes": ["pi1"]}, priority=9) for _ in range(4)]
    other = placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    sent = _nodes_of(placed)
    assert [sent.get(f"{j}/1/0") for j in first] == ["pi1", "pi1", None, None]
    assert sent[f"{other}/1/0"] == "amd"
    # Waiting for its turn on a schedulable node is no waiting reason.
    assert _reason(placed, first[2]) is None


def test_a_job_waiting_for_a_busy_node_goes_at_the_step_after_that_node_ended_one(placed: Harness):
    first = [placed.add_job(placement={"nodes": ["pi1"]}) for _ in range(4)]
    placed.dispatcher.step()
    placed.dispatcher.step()  # looks past the two waiting ones: the other nodes have room left
    assert placed.job(first[2]).status == "queued"  # pi1 holds two
    placed.engine.finish(f"{first[0]}/1/0", node="pi1")
    # No scan is due on the (still) clock: the end itself says that a waiting job may go now.
    placed.dispatcher.step()
    assert _nodes_of(placed)[f"{first[2]}/1/0"] == "pi1"


def test_a_drained_node_gets_no_new_job_and_the_waiting_jobs_say_why(placed: Harness, world: NodeWorld):
    world.facts["amd"] = NodeFacts("amd", AMD, Drain("kernel update"))
    placed.dispatcher.refresh_nodes()
    waiting = placed.add_job(placement={"labels": AMD})
    anywhere = [placed.add_job() for _ in range(5)]
    placed.dispatcher.step()
    placed.dispatcher.step()  # the first claim gave back the job for amd; this one looks past it
    assert "amd" not in _nodes_of(placed).values()
    assert placed.job(waiting).status == "queued"
    assert (
        _reason(placed, waiting) == "no schedulable node matches arch=amd64: amd is drained (kernel update)"
    )
    assert {placed.job(j).status for j in anywhere[:4]} == {"dispatched"}
    assert REGISTRY.get_sample_value("dispycluster_node_schedulable", {"node": "amd"}) == 0
    assert placed.dispatcher.node_view("amd").reason == "amd is drained (kernel update)"

    world.facts["amd"] = NodeFacts("amd", AMD)
    placed.dispatcher.refresh_nodes()
    placed.dispatcher.step()
    assert _nodes_of(placed)[f"{waiting}/1/0"] == "amd"
    assert REGISTRY.get_sample_value("dispycluster_node_schedulable", {"node": "amd"}) == 1


def test_a_drain_tells_the_live_feed_which_waiting_jobs_wait_now_and_why(placed: Harness, world: NodeWorld):
    world.facts["amd"] = NodeFacts("amd", AMD, Drain("kernel update"))
    world.facts["pi1"] = NodeFacts("pi1", ARM, Drain("fan"))
    placed.dispatcher.refresh_nodes()
    on_amd = placed.add_job(placement={"labels": AMD})
    on_pi1 = placed.add_job(placement={"nodes": ["pi1"]})
    placed.dispatcher.step()

    async def run() -> list[dict[str, object]]:
        placed.runtime.events.bind_loop(asyncio.get_running_loop())
        async with placed.runtime.events.subscribe() as events:
            # The nodes as they are when someone listens (without listeners nothing is compared).
            await asyncio.to_thread(placed.dispatcher.step)
            world.facts["amd"] = NodeFacts("amd", AMD, Drain("disk swap"))
            await asyncio.to_thread(placed.dispatcher.refresh_nodes)
            await asyncio.to_thread(placed.dispatcher.step)
            # The step's messages were handed to the loop before the step returned.
            return [events.get_nowait().as_message() for _ in range(events.qsize())]

    messages = asyncio.run(run())
    assert [(m["type"], m["data"]["id"], m["data"]["waiting_reason"]) for m in messages] == [
        ("job", on_amd, "no schedulable node matches arch=amd64: amd is drained (disk swap)")
    ]
    assert _reason(placed, on_pi1) == "no schedulable node matches node pi1: pi1 is drained (fan)"


def test_a_job_its_node_had_not_started_when_drained_is_taken_back_and_placed_elsewhere(
    placed: Harness, world: NodeWorld
):
    movable = placed.add_job(placement={"nodes": ["amd", "pi1"]})  # to amd: the first of equals
    started = placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    assert _nodes_of(placed) == {f"{movable}/1/0": "amd", f"{started}/1/0": "amd"}
    placed.engine.run(f"{started}/1/0", node="amd")
    world.facts["amd"] = NodeFacts("amd", AMD, Drain("kernel update"))
    placed.dispatcher.refresh_nodes()
    placed.dispatcher.step()
    assert placed.engine.withdrawn == [f"{movable}/1/0"]
    # Claimed again in the same step, on the other node it may run on, as the same attempt.
    assert [(s.key, s.node) for s in placed.engine.submitted][-1] == (f"{movable}/1/0", "pi1")
    moved = placed.job(movable)
    assert (moved.status, moved.attempts) == ("dispatched", 1)
    assert ("service", "taken back before it started: amd is drained (kernel update)") in placed.logs(movable)
    # The one running there goes on, and ends as usual.
    assert placed.job(started).status == "running"
    placed.engine.finish(f"{started}/1/0", node="amd")
    placed.dispatcher.step()
    assert placed.job(started).status == "succeeded"


def test_a_taken_back_job_no_node_may_run_waits_with_its_reason_and_counts_no_attempt(
    placed: Harness, world: NodeWorld
):
    first, second = placed.add_job(placement={"labels": AMD}), placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    world.facts["amd"] = NodeFacts("amd", AMD, Drain(None))
    placed.dispatcher.refresh_nodes()
    placed.dispatcher.step()
    assert placed.engine.withdrawn == [f"{first}/1/0", f"{second}/1/0"]
    for job_id in (first, second):
        back = placed.job(job_id)
        assert (back.status, back.attempts, back.node) == ("queued", 0, None)
        assert _reason(placed, job_id) == "no schedulable node matches arch=amd64: amd is drained"
    world.facts["amd"] = NodeFacts("amd", AMD)
    placed.dispatcher.refresh_nodes()
    placed.dispatcher.step()
    assert placed.job(first).attempts == 1 and placed.engine.held.keys() == {f"{first}/1/0", f"{second}/1/0"}


def test_a_drain_that_ended_lets_jobs_in_again(placed: Harness, world: NodeWorld):
    world.facts["amd"] = NodeFacts("amd", AMD, Drain(None, naive_utc_now() - timedelta(seconds=1)))
    placed.dispatcher.refresh_nodes()
    assert placed.dispatcher.node_view("amd").schedulable


def test_a_hot_node_is_kept_free_until_it_has_cooled_for_the_clear_time(placed: Harness, world: NodeWorld):
    world.conditions["amd"] = Condition(exporter_up=True, temperature=75.0)
    job = placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    assert placed.engine.submitted == []
    assert _reason(placed, job).startswith(
        "no schedulable node matches arch=amd64: amd is too hot (trips at 70"
    )
    world.conditions["amd"] = Condition(exporter_up=True, temperature=60.0)
    placed.clock.advance(1.0)
    placed.dispatcher.step()  # cooled, but not for long enough yet
    assert placed.engine.submitted == []
    placed.clock.advance(31.0)
    placed.dispatcher.step()
    assert _nodes_of(placed) == {f"{job}/1/0": "amd"}


def test_exporter_down_and_under_voltage_keep_jobs_off(placed: Harness, world: NodeWorld):
    world.conditions["pi1"] = Condition(exporter_up=False)
    world.conditions["pi2"] = Condition(exporter_up=True, under_voltage=True, throttled=False)
    job = placed.add_job(placement={"labels": ARM})
    placed.dispatcher.step()
    assert placed.engine.submitted == []
    assert _reason(placed, job) == (
        "no schedulable node matches arch=arm64: pi1 has its exporter down; pi2 is under-voltage"
    )


def test_a_node_down_in_dispy_is_a_waiting_reason(placed: Harness):
    placed.engine.node("amd", cpus=1, state=NodeStateName.DOWN)
    job = placed.add_job(placement={"nodes": ["amd"]})
    placed.dispatcher.step()
    assert placed.engine.submitted == []
    assert _reason(placed, job) == "no schedulable node matches node amd: amd has its dispy node down"


def test_a_job_scheduled_later_has_no_waiting_reason(placed: Harness, world: NodeWorld):
    world.facts["amd"] = NodeFacts("amd", AMD, Drain())
    placed.dispatcher.refresh_nodes()
    later = placed.add_job(placement={"labels": AMD}, scheduled_at=naive_utc_now() + timedelta(hours=1))
    assert _reason(placed, later) is None


def test_the_chunks_of_a_job_spread_over_its_matching_nodes(placed: Harness):
    job = placed.add_job("split", {"parts": 3}, placement={"labels": ARM})
    placed.dispatcher.step()
    assert list(_nodes_of(placed).values()) == ["pi1", "pi2", "pi1"]
    assert placed.job(job).status == "dispatched"


def test_a_finished_job_records_the_peak_temperature_and_throttling_of_its_run(
    placed: Harness, world: NodeWorld
):
    world.conditions["pi1"] = Condition(exporter_up=True, temperature=50.0, throttled=False)
    job = placed.add_job(placement={"nodes": ["pi1"]})
    placed.dispatcher.step()
    key = f"{job}/1/0"
    placed.engine.run(key, node="pi1")
    placed.dispatcher.step()
    world.conditions["pi1"] = Condition(exporter_up=True, temperature=66.5, throttled=True)
    placed.clock.advance(1.0)
    placed.dispatcher.step()
    world.conditions["pi1"] = Condition(exporter_up=True, temperature=55.0, throttled=False)
    placed.clock.advance(1.0)
    placed.engine.finish(key, "ok", node="pi1")
    placed.dispatcher.step()
    done = placed.job(job)
    assert (done.status, done.peak_temperature_celsius, done.throttled) == ("succeeded", 66.5, True)


def test_the_cost_is_unknown_without_collected_data(placed: Harness):
    job = placed.add_job(placement={"nodes": ["pi2"]})
    placed.dispatcher.step()
    placed.engine.run(f"{job}/1/0", node="pi2")
    placed.engine.finish(f"{job}/1/0", "ok", node="pi2")
    placed.dispatcher.step()
    done: Job = placed.job(job)
    assert (done.status, done.peak_temperature_celsius, done.throttled) == ("succeeded", None, None)


def test_a_queue_head_waiting_for_one_node_is_looked_past_at_the_next_step(placed: Harness):
    pinned = [placed.add_job(placement={"nodes": ["pi1"]}, priority=9) for _ in range(10)]
    behind = placed.add_job(placement={"labels": AMD})
    placed.dispatcher.step()
    # The one-statement claim took the first six due jobs: two fit pi1, the others were given back.
    assert sorted(_nodes_of(placed).values()) == ["pi1", "pi1"]
    assert [placed.job(j).status for j in pinned[2:6]] == ["queued"] * 4
    assert [placed.job(j).attempts for j in pinned[2:6]] == [0] * 4
    placed.dispatcher.step()  # looks past the ten waiting for pi1
    assert _nodes_of(placed)[f"{behind}/1/0"] == "amd"
    assert placed.job(behind).status == "dispatched"
