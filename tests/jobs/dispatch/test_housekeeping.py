"""The dispatcher's chores, through its step: node list, counts and gauges, purge, series."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select

from tests.support.dispatcher_harness import REGISTRY as REGISTRY_OF_TYPES
from tests.support.dispatcher_harness import Harness
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.dispatch.engine_api import NodeAddress
from webapi.jobs.dispatch.housekeeping import (
    COUNTS_REFRESH_S,
    NODE_REFRESH_S,
    PURGE_BATCH,
    Housekeeping,
    split_host_port,
)
from webapi.jobs.tables import Job


def test_node_specs_default_to_the_dispy_node_port():
    assert split_host_port("10.0.0.5:9800") == ("10.0.0.5", 9800)
    assert split_host_port("pi4.lan") == ("pi4.lan", 9701)
    assert split_host_port("pi4.lan:x") == ("pi4.lan:x", 9701)


def test_the_engine_follows_the_inventory_then_the_configured_nodes(harness: Harness):
    harness.dispatcher.step()
    expected = [
        NodeAddress("inv1", "10.0.0.1", 9701),
        NodeAddress("n1:9999", "n1", 9999),
        NodeAddress("bare", "bare", 9701),
    ]
    assert harness.engine.synced == [expected]
    harness.clock.advance(NODE_REFRESH_S - 0.1)
    harness.dispatcher.step()
    assert len(harness.engine.synced) == 1
    harness.clock.advance(0.1)
    harness.dispatcher.step()
    assert harness.engine.synced == [expected, expected]


def test_counts_and_gauges_are_refreshed_every_second(harness: Harness):
    assert harness.dispatcher.job_counts() is None
    harness.add_job()
    harness.dispatcher.step()
    counts = harness.dispatcher.job_counts()
    assert counts is not None and counts["queued"] == 1 and counts["running"] == 0
    assert REGISTRY.get_sample_value("dispycluster_jobs_queued") == 1
    harness.add_job()
    harness.dispatcher.step()
    assert harness.dispatcher.job_counts()["queued"] == 1
    harness.clock.advance(COUNTS_REFRESH_S)
    harness.dispatcher.step()
    assert harness.dispatcher.job_counts()["queued"] == 2
    assert REGISTRY.get_sample_value("dispycluster_jobs_running") == 0


def _finished_jobs(harness: Harness, count: int, age: timedelta) -> None:
    finished = naive_utc_now() - age
    row = {"name": "old", "type": "echo", "parameters": {}, "status": "succeeded", "priority": 5}
    row |= {"created_at": finished, "finished_at": finished, "attempts": 1, "max_retries": 0}
    with harness.runtime.sessions() as session:
        session.execute(insert(Job), [row] * count)
        session.commit()


def _job_total(harness: Harness) -> int:
    with harness.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_expired_jobs_are_purged_in_batches_then_hourly(harness: Harness):
    retention = timedelta(days=harness.settings.job_retention_days)
    _finished_jobs(harness, PURGE_BATCH + 1, retention + timedelta(hours=1))
    _finished_jobs(harness, 1, retention - timedelta(hours=1))
    harness.dispatcher.step()
    assert _job_total(harness) == 2  # one full batch: the rest follows at the next step
    harness.dispatcher.step()
    assert _job_total(harness) == 1
    _finished_jobs(harness, 1, retention + timedelta(hours=1))
    harness.dispatcher.step()
    assert _job_total(harness) == 2  # the backlog is gone: next purge in an hour


def test_each_node_that_comes_up_gets_its_job_series_at_zero(harness: Harness):
    harness.engine.node("fresh-node")
    labels = {"type": "split", "status": "lost", "node": "fresh-node"}
    assert REGISTRY.get_sample_value("dispycluster_jobs_total", labels) == 0.0


def test_without_an_inventory_the_engine_gets_the_configured_nodes(harness: Harness):
    chores = Housekeeping(harness.settings, harness.runtime.sessions, harness.engine, REGISTRY_OF_TYPES)
    chores.sync_nodes(0.0)
    assert [address.name for address in harness.engine.synced[0]] == ["n1:9999", "bare"]
