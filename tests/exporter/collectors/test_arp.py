import re

import pytest

from exporter.collectors.arp import ArpCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types

HEADER = "IP address       HW type     Flags       HW address            Mask     Device\n"


def test_x86_entries_per_device():
    families = ArpCollector(fixture_config("x86-server")).collect()
    assert types(families) == {"node_arp_entries": "gauge"}
    assert [f.documentation for f in families] == ["ARP entries by device"]
    assert samples(families) == {
        key("node_arp_entries", device="eno1"): 3.0,
        key("node_arp_entries", device="docker0"): 1.0,
    }


def test_raspberry_pis_count_incomplete_entries_too():
    assert samples(ArpCollector(fixture_config("rpi4")).collect()) == {
        key("node_arp_entries", device="eth0"): 2.0
    }
    assert samples(ArpCollector(fixture_config("rpi5")).collect()) == {
        key("node_arp_entries", device="eth0"): 4.0
    }


def test_device_include_and_exclude():
    include = fixture_config("x86-server", arp_device_include=re.compile("^eno"))
    assert samples(ArpCollector(include).collect()) == {key("node_arp_entries", device="eno1"): 3.0}
    exclude = fixture_config("x86-server", arp_device_exclude=re.compile("^docker"))
    assert samples(ArpCollector(exclude).collect()) == {key("node_arp_entries", device="eno1"): 3.0}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "10.0.0.1 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n",
        HEADER + "10.0.0.1 0x1 eth0\n",
        HEADER + "10.0.0.1 0x1 2 a * eth0\n",
    ],
)
def test_garbage_fails_the_collector_naming_the_file(tmp_path, text):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "arp").write_text(text)
    with pytest.raises(ValueError, match="net/arp"):
        ArpCollector(Config(paths=Paths(procfs=tmp_path))).collect()
