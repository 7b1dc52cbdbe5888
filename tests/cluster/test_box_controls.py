"""The cluster in a box's controls, which the placement, drain and guard tests build on: a machine's
exporter data changed by writing its fixture tree, its exporter stopped, its cable pulled; the service
sees each change over the bridge, and `reset` puts everything back."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.cluster_box import ClusterBox

pytestmark = pytest.mark.slow


def test_what_a_machine_reports_follows_its_tree_its_exporter_and_its_cable(cluster: ClusterBox):
    m1, m2, m3 = (cluster.machines[name] for name in ("m1", "m2", "m3"))
    with cluster.service() as service:
        assert service.node("m1")["under_voltage"] is False and service.node("m3")["under_voltage"] is None
        m2.set_temperature(91.5)
        m3.set_temperature(87.0)
        m1.set_firmware_flags(0x50005)  # under-voltage and throttled now
        service.wait_for_node("m2", lambda node: node["temperature_celsius"] == 91.5)
        service.wait_for_node("m3", lambda node: node["temperature_celsius"] == 87.0)
        service.wait_for_node("m1", lambda node: node["under_voltage"] and node["throttled"])
        with pytest.raises(FileNotFoundError, match="get_throttled"):
            m3.set_firmware_flags(0x1)  # an x86 server has no Pi firmware

        m3.stop_exporter()
        down = service.wait_for_node("m3", lambda node: node["status"] == "offline")
        assert down["reason"] and down["dispy"]["state"] == "up", down  # dispy still reaches it

        cluster.cut("m2")
        assert not cluster.box.link_up("m2")
        # The monitoring notices at its next scrape. (dispy does not: it declares a node dead only when
        # the node misses pulses while it runs a job of the service, as in test_box_jobs.)
        cut = service.wait_for_node("m2", lambda node: node["status"] == "offline")
        assert cut["reason"], cut

    cluster.reset()
    assert all(cluster.box.link_up(name) for name in cluster.machines)
    assert {"exporter", "dispynode"} == set(m3.pids) == set(m2.pids)
    assert _sample(m2.scrape(via=cluster.service_host), "node_thermal_zone_temp") != 91.5
    assert _sample(m3.scrape(via=cluster.service_host), "node_hwmon_temp_celsius") != 87.0
    flags = _sample(m1.scrape(via=cluster.service_host), "node_rpi_throttled", condition="under_voltage")
    assert flags == 0.0


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the first sample of `name` carrying `labels`."""
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    raise AssertionError(f"no {name} {labels} in the exporter's answer")
