"""A node's guards: each trips on its condition, clears with hysteresis, and can be switched off."""

from datetime import datetime, timedelta

import pytest

from alerts.thresholds import THRESHOLDS
from webapi.jobs.dispatch.guards import (
    Condition,
    Drain,
    GuardSettings,
    Trip,
    evaluate,
    reasons,
    threshold,
)

SETTINGS = GuardSettings(clear_after_s=30.0)


def _run(conditions, settings=SETTINGS, step=10.0):
    """The tripped guards after each condition, one every `step` seconds."""
    trips: dict[str, Trip] = {}
    seen = []
    for i, condition in enumerate(conditions):
        trips = evaluate(condition, trips, settings, i * step)
        seen.append(sorted(trips))
    return seen


def test_thresholds_come_from_the_alert_table():
    warning = [t.value for t in THRESHOLDS if t.signal == "temperature_celsius" and t.severity == "warning"]
    critical = [t.value for t in THRESHOLDS if t.signal == "disk_percent" and t.severity == "critical"]
    assert (SETTINGS.temperature_limit, SETTINGS.disk_limit) == (warning[0], critical[0])
    with pytest.raises(LookupError):
        threshold("temperature_celsius", "info")


def test_temperature_trips_at_the_threshold_and_clears_under_the_margin_after_the_wait():
    limit = SETTINGS.temperature_limit
    temps = [limit - 1, limit, limit - 1, limit - 4, limit - 6, limit - 6, limit - 6, limit - 6]
    seen = _run([Condition(temperature=t) for t in temps])
    # Trips at the threshold, stays while under it but above the margin, then clears 30 s after
    # going under the margin (at 40 s: 40, 50, 60 s under → cleared at 70 s).
    assert seen == [
        [],
        ["temperature"],
        ["temperature"],
        ["temperature"],
        ["temperature"],
        ["temperature"],
        ["temperature"],
        [],
    ]


def test_a_node_hovering_at_the_threshold_does_not_flap():
    limit = SETTINGS.temperature_limit
    hovering = [Condition(temperature=t) for t in (limit, limit - 0.5, limit, limit - 0.5, limit - 0.2)]
    assert _run(hovering) == [["temperature"]] * 5


def test_going_back_over_the_clear_level_restarts_the_wait():
    cool, hot = SETTINGS.temperature_limit - 10, SETTINGS.temperature_limit - 2
    temps = [SETTINGS.temperature_limit, cool, cool, hot, cool, cool, cool, cool]
    seen = _run([Condition(temperature=t) for t in temps])
    assert seen[-2:] == [["temperature"], []]
    assert all(s == ["temperature"] for s in seen[:-1])


def test_exporter_power_and_disk_guards():
    assert _run([Condition(exporter_up=False)]) == [["exporter"]]
    assert _run([Condition(under_voltage=True, throttled=False)]) == [["power"]]
    assert _run([Condition(throttled=True)]) == [["power"]]
    assert _run([Condition(disk_percent=SETTINGS.disk_limit)]) == [[]]  # "above" the critical value
    assert _run([Condition(disk_percent=SETTINGS.disk_limit + 0.5)]) == [["disk"]]


def test_unknown_values_neither_trip_nor_clear():
    seen = _run(
        [Condition(), Condition(exporter_up=False), Condition(), Condition(), Condition(), Condition()]
    )
    assert seen == [[], ["exporter"], ["exporter"], ["exporter"], ["exporter"], ["exporter"]]


def test_a_guard_switched_off_never_trips():
    off = GuardSettings(exporter=False, temperature=False, power=False, disk=False)
    hot = Condition(exporter_up=False, temperature=99, under_voltage=True, throttled=True, disk_percent=99.9)
    assert _run([hot], off) == [[]]
    only_disk = GuardSettings(exporter=False, temperature=False, power=False)
    assert _run([hot], only_disk) == [["disk"]]


def test_reasons_name_the_drain_and_each_tripped_guard():
    now = datetime(2026, 11, 29, 12, 0)
    trips = evaluate(Condition(temperature=80.0, under_voltage=True), {}, SETTINGS, 0.0)
    found = reasons(Drain("new fan"), trips, now)
    assert found[0] == "is drained (new fan)"
    assert found[1].startswith("is too hot (trips at 70 °C, clears under 65 °C; now 80.0 °C")
    assert found[2] == "is under-voltage"
    assert reasons(None, {}, now) == []


def test_a_drain_with_an_end_lasts_until_then():
    now = datetime(2026, 11, 29, 12, 0)
    drain = Drain(None, now + timedelta(hours=1))
    assert reasons(drain, {}, now) == ["is drained until 2026-11-29T13:00:00Z"]
    assert reasons(drain, {}, now + timedelta(hours=1)) == []
