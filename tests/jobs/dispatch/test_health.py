"""The dispatcher as a part of the service, and a node's dispy side, from what the engine knows."""

from __future__ import annotations

from tests.jobs.fake_engine import FakeClock, FakeEngine
from webapi.jobs.dispatch import health
from webapi.jobs.dispatch.engine_api import NodeStateName


def test_no_node_is_ok_and_says_jobs_stay_queued():
    part = health.probe(FakeEngine(FakeClock()), "jobs")
    assert (part.name, part.status, part.detail) == (
        "jobs",
        "ok",
        "no dispy node configured: jobs stay queued",
    )


def test_nodes_still_connecting_are_starting_then_ok_once_up():
    engine = FakeEngine(FakeClock())
    engine.node("a", state=NodeStateName.CONNECTING)
    assert health.probe(engine, "jobs").status == "starting"
    engine.node("a", cpus=4)
    engine.node("b", cpus=2)
    part = health.probe(engine, "jobs")
    assert (part.status, part.detail) == ("ok", "2 of 2 dispy nodes up, 6 CPUs, in memory (test)")


def test_a_refused_node_or_an_engine_error_is_down_with_the_reason():
    engine = FakeEngine(FakeClock())
    engine.node("a", cpus=2)
    engine.node("b", state=NodeStateName.REFUSED, message='"secret" mismatch')
    part = health.probe(engine, "jobs")
    assert (
        part.status == "down"
        and part.detail == '1 of 2 dispy nodes up, 2 CPUs, in memory (test); b: "secret" mismatch'
    )
    engine.error = "dispy client port 9700 is in use"
    assert health.probe(engine, "jobs").detail.endswith(
        '; dispy client port 9700 is in use; b: "secret" mismatch'
    )


def test_a_nodes_dispy_side():
    engine = FakeEngine(FakeClock())
    engine.node("a", cpus=2)
    side = health.node_dispy(engine, "a")
    assert (
        side is not None and side["state"] == "up" and side["cpus"] == 2 and side["via"] == "in memory (test)"
    )
    assert "name" not in side and "ip" not in side
    assert health.node_dispy(engine, "unknown") is None
