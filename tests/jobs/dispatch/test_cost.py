"""A run's cost folds the conditions seen while it ran; unknown stays unknown."""

from webapi.jobs.dispatch.cost import NOTHING, RunCost
from webapi.jobs.dispatch.guards import Condition


def test_the_peak_and_any_throttling_are_kept():
    cost = NOTHING
    for condition in (
        Condition(temperature=51.0, throttled=False),
        Condition(temperature=63.5, throttled=True),
        Condition(temperature=58.0, throttled=False),
    ):
        cost = cost.joined(RunCost.of(condition))
    assert cost == RunCost(63.5, True)


def test_unknown_values_leave_the_cost_unknown():
    assert NOTHING.joined(RunCost.of(Condition())) == RunCost(None, None)
    # A node without the rpi collector: a temperature, but throttling stays unknown.
    assert NOTHING.joined(RunCost.of(Condition(temperature=40.0))) == RunCost(40.0, None)
    assert RunCost(None, False).joined(RunCost.of(Condition())) == RunCost(None, False)
    assert RunCost(70.0, None).joined(RunCost(None, True)) == RunCost(70.0, True)


def test_a_look_that_adds_nothing_makes_no_new_cost():
    seen = RunCost(60.0, False)
    assert seen.joined(RunCost(55.0, False)) is seen
    assert NOTHING.joined(seen) is seen
