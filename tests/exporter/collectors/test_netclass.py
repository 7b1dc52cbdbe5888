import re

from exporter.collectors.netclass import NetclassCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_rpi4_link_state_and_info():
    got = samples(NetclassCollector(fixture_config("rpi4")).collect())
    up = {labels[0][1]: v for (name, labels), v in got.items() if name == "node_network_up"}
    assert up == {"eth0": 1.0, "lo": 0.0, "wlan0": 0.0}
    info = [dict(labels) for (name, labels), _ in got.items() if name == "node_network_info"]
    assert sorted(info, key=lambda labels: labels["device"]) == [
        {
            "address": "dc:a6:32:01:02:03",
            "broadcast": "ff:ff:ff:ff:ff:ff",
            "device": "eth0",
            "duplex": "full",
            "ifalias": "",
            "operstate": "up",
        },
        {
            "address": "00:00:00:00:00:00",
            "broadcast": "00:00:00:00:00:00",
            "device": "lo",
            "duplex": "",
            "ifalias": "",
            "operstate": "unknown",
        },
        {
            "address": "dc:a6:32:01:02:04",
            "broadcast": "ff:ff:ff:ff:ff:ff",
            "device": "wlan0",
            "duplex": "",
            "ifalias": "",
            "operstate": "dormant",
        },
    ]
    assert got[key("node_network_mtu_bytes", device="eth0")] == 1500.0


def test_x86_every_interface_even_those_netdev_excludes():
    families = NetclassCollector(
        fixture_config("x86-server", netdev_device_exclude=re.compile("^lo$"))
    ).collect()
    got = samples(families)
    # Gauges but for the carrier change counts.
    assert {name for name, kind in types(families).items() if kind != "gauge"} == {
        "node_network_carrier_changes",
        "node_network_carrier_up_changes",
        "node_network_carrier_down_changes",
    }
    # bond0 and its second slave eno2 are listed; `bonding_masters` beside them is a file, not an interface.
    assert {labels[0][1]: v for (name, labels), v in got.items() if name == "node_network_up"} == {
        "bond0": 1.0,
        "docker0": 0.0,
        "eno1": 1.0,
        "eno2": 0.0,
        "lo": 0.0,
    }
    assert got[key("node_network_mtu_bytes", device="eno1")] == 9000.0


def test_rpi4_link_properties_as_node_exporter_exports_them():
    families = NetclassCollector(fixture_config("rpi4")).collect()
    got = samples(families)
    # Mbit/s to bytes per second; an unknown speed (-1, a Wi-Fi link) is -125000 as in node_exporter.
    assert got[key("node_network_speed_bytes", device="eth0")] == 125_000_000.0
    assert got[key("node_network_speed_bytes", device="wlan0")] == -125_000.0
    # flags and dev_id are written in hex.
    assert got[key("node_network_flags", device="eth0")] == 4099.0
    assert got[key("node_network_flags", device="lo")] == 9.0
    assert got[key("node_network_device_id", device="eth0")] == 0.0
    assert got[key("node_network_carrier", device="wlan0")] == 0.0
    assert got[key("node_network_protocol_type", device="lo")] == 772.0
    assert got[key("node_network_transmit_queue_length", device="eth0")] == 1000.0
    assert got[key("node_network_carrier_changes_total", device="eth0")] == 3.0
    assert got[key("node_network_carrier_down_changes_total", device="eth0")] == 1.0
    assert types(families)["node_network_carrier_up_changes"] == "counter"
    # What the driver does not answer is left out for that interface only.
    speeds = {labels[0][1] for (name, labels), _ in got.items() if name == "node_network_speed_bytes"}
    assert speeds == {"eth0", "wlan0"}
