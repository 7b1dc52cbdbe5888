from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, UnknownMetricFamily

from exporter.collectors.base import counter, gauge, read_stripped, untyped


def test_families_are_what_prometheus_client_builds():
    ours = counter("node_forks_total", "Total number of forks.", ["cpu"])
    ours.add_metric(["0"], 3.0)
    library = CounterMetricFamily("node_forks_total", "Total number of forks.", labels=["cpu"])
    library.add_metric(["0"], 3.0)
    assert ours == library
    assert ours.name == "node_forks"
    assert ours.samples[0].name == "node_forks_total"

    ours = gauge("node_load1", "1m load average.")
    ours.add_metric([], 0.5)
    library = GaugeMetricFamily("node_load1", "1m load average.", value=0.5)
    assert ours == library

    ours = untyped("node_vmstat_pgfault", "/proc/vmstat information field pgfault.")
    ours.add_metric([], 7.0)
    library = UnknownMetricFamily("node_vmstat_pgfault", "/proc/vmstat information field pgfault.", value=7.0)
    assert ours == library


def test_read_stripped_is_none_for_what_cannot_be_read(tmp_path):
    (tmp_path / "mtu").write_text("1500\n")
    (tmp_path / "dir").mkdir()
    assert read_stripped(tmp_path / "mtu") == "1500"
    assert read_stripped(tmp_path / "missing") is None
    assert read_stripped(tmp_path / "dir") is None
