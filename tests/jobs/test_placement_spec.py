"""The placement spec's check against the inventory, without HTTP: unknown nodes are an `InvalidError`."""

from __future__ import annotations

import pytest

from webapi.core.domain_errors import FieldProblem, InvalidError
from webapi.jobs.placement_spec import Placement, check_nodes, matching_nodes

INVENTORY = {"pi1": {"rack": "a"}, "pi2": {"rack": "b"}}


def test_unknown_nodes_are_invalid_each_named_by_its_place():
    with pytest.raises(InvalidError) as refused:
        check_nodes(Placement(nodes=["pi1", "ghost", "pi2", "zz"]), INVENTORY, "body.placement")
    assert refused.value.fields == [
        FieldProblem("body.placement.nodes.1", "Unknown node 'ghost': not in the inventory"),
        FieldProblem("body.placement.nodes.3", "Unknown node 'zz': not in the inventory"),
    ]
    assert refused.value.message == "Unknown node in placement: Unknown node 'ghost': not in the inventory"


def test_known_nodes_pass_and_labels_pick_among_them():
    check_nodes(Placement(nodes=["pi2", "pi1"]), INVENTORY, "body.placement")
    assert matching_nodes(Placement(labels={"rack": "b"}), INVENTORY) == ["pi2"]
    assert matching_nodes(None, INVENTORY) == ["pi1", "pi2"]
