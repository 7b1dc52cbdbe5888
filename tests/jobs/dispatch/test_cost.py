"""A run's cost folds the conditions seen while it ran; unknown stays unknown."""

from webapi.jobs.dispatch.cost import RunCost
from webapi.jobs.dispatch.guards import Condition


def test_the_peak_and_any_throttling_are_kept():
    cost = RunCost()
    for condition in (
        Condition(temperature=51.0, throttled=False),
        Condition(temperature=63.5, throttled=True),
        Condition(temperature=58.0, throttled=False),
    ):
        cost = cost.seen(condition)
    assert cost == RunCost(63.5, True)


def test_unknown_values_leave_the_cost_unknown():
    assert RunCost().seen(Condition()) == RunCost(None, None)
    # A node without the rpi collector: a temperature, but throttling stays unknown.
    assert RunCost().seen(Condition(temperature=40.0)) == RunCost(40.0, None)
    assert RunCost(None, False).seen(Condition()) == RunCost(None, False)
