from exporter.collectors.stat import StatCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_rpi4_stat_counters_and_gauges():
    families = StatCollector(fixture_config("rpi4")).collect()
    assert types(families) == {
        "node_intr": "counter",
        "node_context_switches": "counter",
        "node_boot_time_seconds": "gauge",
        "node_forks": "counter",
        "node_procs_running": "gauge",
        "node_procs_blocked": "gauge",
    }
    assert samples(families) == {
        key("node_intr_total"): 98765432.0,
        key("node_context_switches_total"): 123456789.0,
        key("node_boot_time_seconds"): 1700000000.0,
        key("node_forks_total"): 54321.0,
        key("node_procs_running"): 2.0,
        key("node_procs_blocked"): 1.0,
    }
