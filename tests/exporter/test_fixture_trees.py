"""Every default collector on every fixture tree: data where the machine has the hardware, node_exporter's
"no data" (success 0, nothing exported, nothing logged as an error) where it has not."""

import logging

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from exporter.collectors import DEFAULT_ENABLED
from exporter.scrape import NodeExporter
from tests.exporter.trees import TREES, fixture_config

# What a Pi lacks: no bonding driver, no md driver, no power_supply class, PSI off in Raspberry Pi OS kernels;
# the Pi 4 has no nf_conntrack module loaded either.
NO_DATA = {
    "x86-server": set(),
    "rpi4": {"bonding", "mdadm", "powersupplyclass", "pressure", "conntrack"},
    "rpi5": {"bonding", "mdadm", "powersupplyclass", "pressure"},
}


@pytest.mark.parametrize("tree", TREES)
def test_every_default_collector_succeeds_unless_the_machine_lacks_its_hardware(tree, caplog):
    exporter = NodeExporter(fixture_config(tree), DEFAULT_ENABLED, exporter_metrics=False)
    with caplog.at_level(logging.ERROR):
        text = generate_latest(exporter.registry()).decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    success = {s.labels["collector"]: s.value for s in families["node_scrape_collector_success"].samples}
    assert success == {name: 0.0 if name in NO_DATA[tree] else 1.0 for name in DEFAULT_ENABLED}
    assert caplog.records == []
