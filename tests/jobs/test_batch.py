"""A batch's jobs worked out without HTTP: every bad item named in one `InvalidError`."""

from __future__ import annotations

import pytest

from webapi.core.domain_errors import InvalidError
from webapi.inventory import store
from webapi.inventory.schemas import NodeSpec
from webapi.jobs import batch
from webapi.jobs.batch import BatchCreate
from webapi.jobs.registry import Registry
from webapi.jobs.schemas import JobCreate

TRUE = {"command": ["true"]}


def job(**fields: object) -> JobCreate:
    return JobCreate.model_validate({"name": "j", "type": "processing", "parameters": TRUE, **fields})


@pytest.fixture
def with_pi1(sessions):
    with sessions() as session:
        store.create_node(session, NodeSpec(name="pi1", address="127.0.0.1", labels={"rack": "a"}))
    return sessions


def test_each_node_pins_a_job_to_every_matching_node(with_pi1):
    with with_pi1() as session:
        [pinned] = batch.fan_out(session, job(placement={"labels": {"rack": "a"}}))
    assert pinned.placement is not None and pinned.placement.nodes == ["pi1"]


def test_each_node_refuses_unknown_nodes_and_placements_no_node_matches(with_pi1):
    with with_pi1() as session:
        with pytest.raises(InvalidError) as unknown:
            batch.fan_out(session, job(placement={"nodes": ["pi1", "ghost"]}))
        assert [f.loc for f in unknown.value.fields] == ["body.template.placement.nodes.1"]
        with pytest.raises(InvalidError) as none:
            batch.fan_out(session, job(placement={"labels": {"rack": "b"}}))
    assert [f.loc for f in none.value.fields] == ["body.template.placement"]
    assert none.value.message.startswith("No inventory node matches the template's placement (1 nodes")


def test_the_bad_items_of_a_batch_are_all_named(sessions):
    jobs = [job(), job(type="nope"), job(), job(parameters={"command": []}), job(type="nope")]
    with sessions() as session, pytest.raises(InvalidError) as refused:
        batch.specs(session, Registry.from_entry_points(), BatchCreate(jobs=jobs))
    locs = [f.loc for f in refused.value.fields]
    assert locs[0] == "body.jobs.1.type" and locs[-1] == "body.jobs.4.type"
    assert any(loc.startswith("body.jobs.3.parameters") for loc in locs)
    assert refused.value.message.startswith("body.jobs.1: Unknown job type 'nope'")
    assert refused.value.message.endswith("(and 2 more invalid jobs)")
