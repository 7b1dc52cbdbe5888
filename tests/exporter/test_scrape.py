import pytest
from prometheus_client.exposition import generate_latest

from exporter.collectors.base import NoDataError
from exporter.collectors.loadavg import LoadavgCollector
from exporter.scrape import FilterError, NodeExporter
from tests.exporter.trees import fixture_config


def test_select_follows_node_exporter_rules():
    exporter = NodeExporter(fixture_config("rpi4"), ["cpu", "loadavg", "meminfo"])
    assert exporter.select([], []) == ["cpu", "loadavg", "meminfo"]
    assert exporter.select(["meminfo", "cpu"], []) == ["cpu", "meminfo"]
    assert exporter.select([], ["cpu"]) == ["loadavg", "meminfo"]
    with pytest.raises(FilterError, match="mutually exclusive"):
        exporter.select(["cpu"], ["loadavg"])
    with pytest.raises(FilterError, match="disabled"):
        exporter.select(["hwmon"], [])
    with pytest.raises(FilterError, match="unknown collector"):
        exporter.select(["gpu"], [])


def test_one_registry_per_selection_is_reused():
    exporter = NodeExporter(fixture_config("rpi4"), ["cpu", "loadavg"])
    assert exporter.registry(["cpu"]) is exporter.registry(["cpu"])
    assert exporter.registry() is not exporter.registry(["cpu"])


class Broken(LoadavgCollector):
    def collect(self):
        raise ValueError("unparsable /proc/loadavg")


def test_a_broken_collector_reports_success_0_and_the_rest_is_served():
    exporter = NodeExporter(fixture_config("rpi4"), ["loadavg", "stat"], exporter_metrics=False)
    exporter.collectors["loadavg"] = Broken(fixture_config("rpi4"))
    text = generate_latest(exporter.registry()).decode()
    assert 'node_scrape_collector_success{collector="loadavg"} 0.0' in text
    assert 'node_scrape_collector_success{collector="stat"} 1.0' in text
    assert "node_boot_time_seconds 1.7e+09" in text
    assert "node_load1" not in text
    assert "process_" not in text


def test_exporter_metrics_are_included_by_default():
    text = generate_latest(NodeExporter(fixture_config("rpi4"), ["uname"]).registry()).decode()
    assert "dispycluster_exporter_build_info{version=" in text
    assert "process_cpu_seconds_total" in text
    assert "process_virtual_memory_max_bytes" in text
    assert "python_info" in text


class NoPressure(LoadavgCollector):
    def collect(self):
        raise NoDataError("pressure stall information is disabled")


def test_no_data_is_success_0_logged_at_debug_level_only(caplog):
    exporter = NodeExporter(fixture_config("rpi4"), ["loadavg", "stat"], exporter_metrics=False)
    exporter.collectors["loadavg"] = NoPressure(fixture_config("rpi4"))
    with caplog.at_level("DEBUG", logger="exporter.scrape"):
        text = generate_latest(exporter.registry()).decode()
    assert 'node_scrape_collector_success{collector="loadavg"} 0.0' in text
    assert 'node_scrape_collector_success{collector="stat"} 1.0' in text
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "collector loadavg has no data: pressure stall information is disabled")
    ]
