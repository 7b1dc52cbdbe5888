import pytest

from exporter.collectors.base import NoDataError
from exporter.collectors.udp_queues import UdpQueuesCollector, parse_udp
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_sums_both_tables_in_bytes():
    families = UdpQueuesCollector(fixture_config("x86-server")).collect()
    got = samples(families)
    assert types(families) == {"node_udp_queues": "gauge"}
    # Hexadecimal: 0x200 queued to send; 0xA00 + 0x100 to receive over IPv4, 0x300 over IPv6.
    assert got == {
        key("node_udp_queues", ip="v4", queue="tx"): 512.0,
        key("node_udp_queues", ip="v4", queue="rx"): 2816.0,
        key("node_udp_queues", ip="v6", queue="tx"): 0.0,
        key("node_udp_queues", ip="v6", queue="rx"): 768.0,
    }


def test_rpi5_without_ipv6_has_only_v4():
    got = samples(UdpQueuesCollector(fixture_config("rpi5")).collect())
    assert {dict(labels)["ip"] for _, labels in got} == {"v4"}


def test_neither_table_is_no_data(tmp_path):
    (tmp_path / "proc" / "net").mkdir(parents=True)
    config = Config(paths=Paths(tmp_path / "proc", tmp_path / "sys", tmp_path / "rootfs"))
    with pytest.raises(NoDataError):
        UdpQueuesCollector(config).collect()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "header"),
        ("  sl  local_address\n  1: 00000000:0044 00000000:0000 07 lots\n", "invalid line"),
        ("  sl  local_address\n  1: 00000000:0044 00000000:0000 07 0000000G:00000000\n", "invalid line"),
    ],
)
def test_what_the_kernel_never_writes_is_an_error(text, message):
    with pytest.raises(ValueError, match=message):
        parse_udp(text)
