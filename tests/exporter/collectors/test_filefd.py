from exporter.collectors.filefd import FilefdCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_allocated_and_an_unlimited_maximum():
    families = FilefdCollector(fixture_config("x86-server")).collect()
    assert types(families) == {"node_filefd_allocated": "gauge", "node_filefd_maximum": "gauge"}
    assert samples(families) == {
        key("node_filefd_allocated"): 4128.0,
        key("node_filefd_maximum"): 9223372036854775807.0,
    }
    assert [f.documentation for f in families] == [
        "File descriptor statistics: allocated.",
        "File descriptor statistics: maximum.",
    ]


def test_rpi4():
    assert samples(FilefdCollector(fixture_config("rpi4")).collect()) == {
        key("node_filefd_allocated"): 1344.0,
        key("node_filefd_maximum"): 378120.0,
    }
