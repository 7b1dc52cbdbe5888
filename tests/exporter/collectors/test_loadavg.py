from exporter.collectors.loadavg import LoadavgCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_rpi4_load_averages():
    families = LoadavgCollector(fixture_config("rpi4")).collect()
    assert types(families) == {"node_load1": "gauge", "node_load5": "gauge", "node_load15": "gauge"}
    assert samples(families) == {key("node_load1"): 0.52, key("node_load5"): 0.58, key("node_load15"): 0.59}
