"""How many chunks a node is handed: a count per CPU, deeper in time for a node that ends them fast."""

import pytest

from webapi.jobs.dispatch.depth import HORIZON_S, MAX_PER_CPU, MIN_SPAN_S, Pace, room


def test_a_slow_node_gets_its_count_per_cpu():
    assert room(cpus=4, per_cpu=3, pace=0.5) == 12


def test_a_fast_node_gets_what_it_ends_in_the_horizon_past_its_cpus():
    # 2 CPUs ending 50 chunks a second, where 3 per CPU would be 6 (80 ms of work).
    assert room(cpus=2, per_cpu=3, pace=50.0) == 2 + round(50 * HORIZON_S) > 6


def test_the_depth_is_bounded():
    assert room(cpus=2, per_cpu=3, pace=1e6) == 2 * MAX_PER_CPU


def test_strict_order_hands_one_per_cpu_whatever_the_pace():
    assert room(cpus=2, per_cpu=1, pace=500.0) == 2


def test_pace_counts_the_ends_of_the_last_window_only():
    pace = Pace()
    for at in (0.1, 0.2, 0.3, 0.9):
        pace.ended("n1", at)
    pace.ended("n2", 0.5)
    assert pace.per_second("n1", 1.05) == pytest.approx(4 / 0.95)  # over 0.95 s, since the first end
    assert pace.per_second("n1", 1.25) == pytest.approx(2 / 0.95)  # 0.1 and 0.2 left the window
    assert pace.per_second("n2", 1.25) == pytest.approx(1 / 0.75)
    assert pace.per_second("n2", 1.6) == 0.0
    assert pace.per_second("n3", 1.25) == 0.0


def test_a_node_that_just_began_ending_chunks_is_measured_over_that_time_only():
    """Ten ends in 0.2 s is 50 a second, not the 10 a second the whole window would say; a single end
    is not taken for a burst."""
    pace = Pace()
    for i in range(10):
        pace.ended("n1", 5.0 + i / 50)
    assert pace.per_second("n1", 5.2) == pytest.approx(50.0)
    assert room(cpus=2, per_cpu=3, pace=pace.per_second("n1", 5.2)) == 2 + round(50 * HORIZON_S)
    pace.ended("n2", 5.0)
    assert pace.per_second("n2", 5.001) == 1 / MIN_SPAN_S
