from exporter.collectors.entropy import EntropyCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_rpi4_entropy_pool():
    families = EntropyCollector(fixture_config("rpi4")).collect()
    assert types(families) == {"node_entropy_available_bits": "gauge", "node_entropy_pool_size_bits": "gauge"}
    assert samples(families) == {
        key("node_entropy_available_bits"): 256.0,
        key("node_entropy_pool_size_bits"): 256.0,
    }
    assert [f.documentation for f in families] == ["Bits of available entropy.", "Bits of entropy pool."]
