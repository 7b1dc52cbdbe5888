"""Which due jobs' waiting reasons the nodes changed (pure)."""

from __future__ import annotations

import json

from webapi.jobs.dispatch.placement import NodeSlot, Placement
from webapi.jobs.dispatch.waiting import Reasons, WaitingWatch, changed, picture

ARM = {"arch": "arm64"}


def _nodes(pi1_reason: str | None = None, free: int = 1) -> list[NodeSlot]:
    return [
        NodeSlot("pi1", ARM, pi1_reason is None, pi1_reason, free),
        NodeSlot("amd", {"arch": "amd64"}, True, None, free),
    ]


def test_the_picture_is_what_a_reason_depends_on_not_the_room_nor_the_order():
    assert picture(_nodes(free=1)) == picture(_nodes(free=5)) == picture(list(reversed(_nodes())))
    assert picture(_nodes()) != picture(_nodes("is drained"))
    relabelled = [NodeSlot("pi1", {"arch": "armv7"}, True), _nodes()[1]]
    assert picture(_nodes()) != picture(relabelled)


def test_the_watch_answers_the_nodes_as_they_were_only_when_they_changed():
    watch = WaitingWatch()
    first = _nodes()
    assert watch.look(first) is None  # nothing was said before the first look
    assert watch.look(_nodes(free=3)) is None
    drained = _nodes("is drained")
    assert watch.look(drained) == _nodes(free=3)
    assert watch.look(_nodes("is drained")) is None
    assert watch.look(first) == drained
    watch.forget()
    assert watch.look(drained) is None


def test_changed_names_the_jobs_whose_reason_is_not_what_it_was():
    before, after = Reasons(_nodes()), Reasons(_nodes("is drained (fan)"))
    stored = [{"labels": ARM}, None, {"nodes": ["amd"]}, {"nodes": ["pi1"]}]
    candidates = [(i, None if value is None else json.dumps(value)) for i, value in enumerate(stored, 1)]
    assert changed(candidates, before, after) == [1, 4]
    pi1 = Placement.from_json({"nodes": ["pi1"]})
    assert after.of(pi1) == "no schedulable node matches node pi1: pi1 is drained (fan)"
    assert before.of(pi1) is None
