import re

from exporter.collectors.netdev import NetdevCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_counters_from_proc_net_dev():
    families = NetdevCollector(fixture_config("x86-server")).collect()
    got = samples(families)
    eno1 = {name: v for (name, labels), v in got.items() if labels == (("device", "eno1"),)}
    assert eno1 == {
        "node_network_receive_bytes_total": 99999999999.0,
        "node_network_receive_packets_total": 88888888.0,
        "node_network_receive_errs_total": 1.0,
        "node_network_receive_drop_total": 2.0,
        "node_network_receive_fifo_total": 3.0,
        "node_network_receive_frame_total": 4.0,
        "node_network_receive_compressed_total": 0.0,
        "node_network_receive_multicast_total": 55555.0,
        "node_network_receive_nohandler_total": 42.0,
        "node_network_transmit_bytes_total": 77777777777.0,
        "node_network_transmit_packets_total": 66666666.0,
        "node_network_transmit_errs_total": 5.0,
        "node_network_transmit_drop_total": 6.0,
        "node_network_transmit_fifo_total": 7.0,
        "node_network_transmit_colls_total": 8.0,
        "node_network_transmit_carrier_total": 9.0,
        "node_network_transmit_compressed_total": 0.0,
    }
    assert set(types(families).values()) == {"counter"}


def test_device_exclude_drops_devices():
    got = samples(NetdevCollector(fixture_config("rpi4", netdev_device_exclude=re.compile("^lo$"))).collect())
    assert key("node_network_receive_bytes_total", device="lo") not in got
    assert got[key("node_network_receive_bytes_total", device="eth0")] == 912345678.0
