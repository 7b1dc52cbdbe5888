import time

from exporter.collectors.time import TimeCollector
from tests.exporter.trees import fixture_config, key, samples


def test_x86_clocksources_and_the_current_time():
    before = time.time()
    got = samples(TimeCollector(fixture_config("x86-server")).collect())
    after = time.time()
    assert before <= got.pop(key("node_time_seconds")) <= after
    local = time.localtime()
    assert got == {
        key("node_time_zone_offset_seconds", time_zone=local.tm_zone): float(local.tm_gmtoff),
        key("node_time_clocksource_available_info", clocksource="tsc", device="0"): 1.0,
        key("node_time_clocksource_available_info", clocksource="hpet", device="0"): 1.0,
        key("node_time_clocksource_available_info", clocksource="acpi_pm", device="0"): 1.0,
        key("node_time_clocksource_current_info", clocksource="tsc", device="0"): 1.0,
    }
