"""Which nodes a placement matches, which one takes a job, and why a job waits."""

from webapi.jobs.dispatch.placement import NodeSlot, Placement, choose, unknown_nodes, waiting_reason


def _nodes() -> list[NodeSlot]:
    return [
        NodeSlot("pi1", {"arch": "arm64", "rack": "a"}, True, None, 2),
        NodeSlot("pi2", {"arch": "arm64", "rack": "b"}, True, None, 5),
        NodeSlot("amd", {"arch": "amd64"}, False, "is drained", 8),
    ]


def test_an_empty_or_missing_placement_means_any_node():
    assert Placement.from_json(None) is None
    assert Placement.from_json({}) is None
    assert Placement.from_json({"nodes": [], "labels": {}}) is None


def test_every_label_must_match_and_any_listed_node_will_do():
    placement = Placement.from_json({"nodes": ["pi1", "amd"], "labels": {"arch": "arm64"}})
    assert placement is not None
    assert placement.matches("pi1", {"arch": "arm64", "rack": "a"})
    assert not placement.matches("pi2", {"arch": "arm64"})  # not listed
    assert not placement.matches("amd", {"arch": "amd64"})  # listed, wrong label
    two_labels = Placement.from_json({"labels": {"arch": "arm64", "rack": "b"}})
    assert two_labels is not None
    assert [n.name for n in _nodes() if two_labels.matches(n.name, n.labels)] == ["pi2"]


def test_the_matching_schedulable_node_with_most_room_is_chosen():
    assert choose(None, _nodes()).name == "pi2"  # amd has more room but is drained
    assert choose(Placement(frozenset({"pi1"})), _nodes()).name == "pi1"
    assert choose(Placement(labels=(("arch", "amd64"),)), _nodes()) is None


def test_a_full_node_is_chosen_only_when_room_is_not_required():
    full = [NodeSlot("pi1", {}, True, None, 0)]
    assert choose(None, full) is None
    assert choose(None, full, room=False).name == "pi1"


def test_waiting_reason_names_each_matching_node_and_why():
    amd64 = Placement(labels=(("arch", "amd64"),))
    assert waiting_reason(amd64, _nodes()) == "no schedulable node matches arch=amd64: amd is drained"
    arm = Placement(labels=(("arch", "arm64"),))
    assert waiting_reason(arm, _nodes()) is None  # a node takes it once it has room
    busy = [NodeSlot("pi1", {}, True, None, 0)]
    assert waiting_reason(None, busy) is None  # only waiting for its turn
    assert waiting_reason(Placement(labels=(("gpu", "yes"),)), _nodes()) == "no node matches gpu=yes"
    down = [NodeSlot("a", {}, False, "is drained"), NodeSlot("b", {}, False, "has its exporter down")]
    assert waiting_reason(None, down) == "no schedulable node: a is drained; b has its exporter down"
    assert waiting_reason(None, []) == "no node is configured"
    pinned = Placement(frozenset({"pi1", "pi2"}), (("rack", "a"),))
    assert pinned.describe() == "nodes pi1 or pi2, rack=a"


def test_unknown_node_names_are_listed():
    assert unknown_nodes(Placement(frozenset({"pi1", "ghost", "amd"})), ["pi1", "amd"]) == ["ghost"]
    assert unknown_nodes(None, []) == []
