import pytest

from exporter.collectors.timex import Timex, TimexCollector, timex_families
from exporter.config import Config
from tests.exporter.trees import key, samples, types


def reading(**fields):
    timex = Timex()
    for name, value in fields.items():
        setattr(timex, name, value)
    return timex


def test_an_ntp_synchronised_clock_in_microseconds():
    timex = reading(
        offset=-1500,
        freq=65536,
        maxerror=123000,
        esterror=456,
        status=0x2001,
        constant=7,
        tick=10000,
        ppsfreq=131072,
        jitter=2000,
        shift=4,
        stabil=65536,
        jitcnt=3,
        calcnt=4,
        errcnt=5,
        stbcnt=6,
        tai=37,
    )
    families = timex_families(0, timex)
    got = samples(families)
    assert got == {
        key("node_timex_sync_status"): 1.0,
        # STA_NANO (0x2000) is set: offset and jitter are nanoseconds.
        key("node_timex_offset_seconds"): -1.5e-06,
        key("node_timex_frequency_adjustment_ratio"): 1.000001,
        key("node_timex_maxerror_seconds"): 0.123,
        key("node_timex_estimated_error_seconds"): 0.000456,
        key("node_timex_status"): 8193.0,
        key("node_timex_loop_time_constant"): 7.0,
        key("node_timex_tick_seconds"): 0.01,
        key("node_timex_pps_frequency_hertz"): 2e-06,
        key("node_timex_pps_jitter_seconds"): 2e-06,
        key("node_timex_pps_shift_seconds"): 4.0,
        key("node_timex_pps_stability_hertz"): 1e-06,
        key("node_timex_tai_offset_seconds"): 37.0,
        key("node_timex_pps_jitter_total"): 3.0,
        key("node_timex_pps_calibration_total"): 4.0,
        key("node_timex_pps_error_total"): 5.0,
        key("node_timex_pps_stability_exceeded_total"): 6.0,
    }
    assert types(families)["node_timex_pps_error"] == "counter"
    assert types(families)["node_timex_offset_seconds"] == "gauge"


def test_an_unsynchronised_clock_in_microseconds():
    got = samples(timex_families(5, reading(offset=-1500, jitter=2000, status=0x40)))
    assert got[key("node_timex_sync_status")] == 0.0
    assert got[key("node_timex_offset_seconds")] == -0.0015
    assert got[key("node_timex_pps_jitter_seconds")] == 0.002


def test_this_machines_clock_reads_without_privileges():
    got = samples(TimexCollector(Config()).collect())
    assert got[key("node_timex_sync_status")] in (0.0, 1.0)
    # USER_HZ ticks: 100 Hz → 10 ms, 1000 Hz → 1 ms; never zero on a running kernel.
    assert got[key("node_timex_tick_seconds")] == pytest.approx(0.01, rel=0.9)
