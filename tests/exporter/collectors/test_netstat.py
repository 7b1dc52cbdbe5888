import re

import pytest

from exporter.collectors.netstat import NetstatCollector, parse_netstat, parse_snmp6
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types

# The samples the default field filter keeps on the Raspberry Pi 4 (IPv4 and IPv6).
RPI4 = {
    "TcpExt_SyncookiesSent": 0,
    "TcpExt_SyncookiesRecv": 0,
    "TcpExt_SyncookiesFailed": 0,
    "TcpExt_ListenOverflows": 4,
    "TcpExt_ListenDrops": 4,
    "TcpExt_TCPTimeouts": 154,
    "TcpExt_TCPOFOQueue": 901,
    "TcpExt_TCPSynRetrans": 87,
    "TcpExt_TCPRcvQDrop": 0,
    "IpExt_InOctets": 912345678,
    "IpExt_OutOctets": 45678901,
    "Ip_Forwarding": 2,
    "Icmp_InMsgs": 1234,
    "Icmp_InErrors": 1,
    "Icmp_OutMsgs": 1187,
    "Tcp_ActiveOpens": 23456,
    "Tcp_PassiveOpens": 3456,
    "Tcp_CurrEstab": 9,
    "Tcp_InSegs": 8123456,
    "Tcp_OutSegs": 7456789,
    "Tcp_RetransSegs": 2345,
    "Tcp_InErrs": 3,
    "Tcp_OutRsts": 678,
    "Udp_InDatagrams": 45678,
    "Udp_NoPorts": 123,
    "Udp_InErrors": 2,
    "Udp_OutDatagrams": 43210,
    "Udp_RcvbufErrors": 1,
    "Udp_SndbufErrors": 0,
    "UdpLite_InErrors": 0,
    "Ip6_InOctets": 123456,
    "Ip6_OutOctets": 98765,
    "Icmp6_InMsgs": 321,
    "Icmp6_InErrors": 0,
    "Icmp6_OutMsgs": 456,
    "Udp6_InDatagrams": 2345,
    "Udp6_NoPorts": 12,
    "Udp6_InErrors": 0,
    "Udp6_OutDatagrams": 2211,
    "Udp6_RcvbufErrors": 0,
    "Udp6_SndbufErrors": 0,
    "UdpLite6_InErrors": 0,
}
IPV6 = {"Ip6_", "Icmp6_", "Udp6_", "UdpLite6_"}


def test_rpi4_default_fields_are_node_exporters():
    families = NetstatCollector(fixture_config("rpi4")).collect()
    assert samples(families) == {key(f"node_netstat_{name}"): float(v) for name, v in RPI4.items()}
    assert set(types(families).values()) == {"unknown"}
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_netstat_TcpExt_ListenDrops"] == "Statistic TcpExtListenDrops."
    assert help_texts["node_netstat_Ip6_InOctets"] == "Statistic Ip6InOctets."


def test_x86_server_is_a_forwarding_docker_host():
    got = samples(NetstatCollector(fixture_config("x86-server")).collect())
    assert len(got) == len(RPI4)
    assert got[key("node_netstat_Ip_Forwarding")] == 1.0
    assert got[key("node_netstat_Tcp_CurrEstab")] == 412.0
    assert got[key("node_netstat_IpExt_InOctets")] == 912345678000.0


def test_rpi5_without_ipv6_has_no_snmp6_and_still_succeeds():
    got = samples(NetstatCollector(fixture_config("rpi5")).collect())
    assert {name for name, _ in got} == {
        f"node_netstat_{name}" for name in RPI4 if not any(name.startswith(p) for p in IPV6)
    }
    assert got[key("node_netstat_Tcp_CurrEstab")] == 27.0
    assert got[key("node_netstat_IpExt_InOctets")] == 18246913560.0


def test_the_field_filter_is_configurable_and_none_exports_everything():
    only = NetstatCollector(fixture_config("rpi4", netstat_fields=re.compile("^Tcp_RtoMax$"))).collect()
    assert samples(only) == {key("node_netstat_Tcp_RtoMax"): 120000.0}
    everything = samples(NetstatCollector(fixture_config("rpi4", netstat_fields=None)).collect())
    assert key("node_netstat_IcmpMsg_InType3") in everything
    assert key("node_netstat_Tcp_MaxConn") in everything
    assert len(everything) > 200


def test_parsers():
    assert parse_netstat("Tcp: RtoMin MaxConn\nTcp: 200 -1\n") == {"Tcp": {"RtoMin": "200", "MaxConn": "-1"}}
    assert parse_snmp6("Ip6InReceives   12\nUdpLite6InErrors 0\n\nIcmp6InType134 5\n") == {
        "Ip6": {"InReceives": "12"},
        "UdpLite6": {"InErrors": "0"},
        "Icmp6": {"InType134": "5"},
    }


@pytest.mark.parametrize(
    "text",
    [
        "TcpExt: SyncookiesSent SyncookiesRecv\nTcpExt: 0\n",
        "TcpExt: SyncookiesSent\n",
        "TcpExt: SyncookiesSent\nIpExt: 0\n",
    ],
)
def test_a_broken_netstat_fails_the_collector_naming_the_file(tmp_path, text):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "netstat").write_text(text)
    (tmp_path / "net" / "snmp").write_text("Tcp: RtoMin\nTcp: 200\n")
    with pytest.raises(ValueError, match="net/netstat"):
        NetstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()


def test_an_exported_value_that_is_not_a_number_fails_the_collector_naming_the_field(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "netstat").write_text("TcpExt: SyncookiesSent PruneCalled\nTcpExt: lots 0\n")
    (tmp_path / "net" / "snmp").write_text("Tcp: RtoMin\nTcp: 200\n")
    with pytest.raises(ValueError, match="TcpExt_SyncookiesSent: 'lots' is not a number"):
        NetstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()
    # A field the filter leaves out is not even converted, as it is not exported.
    (tmp_path / "net" / "netstat").write_text("TcpExt: SyncookiesSent PruneCalled\nTcpExt: 0 lots\n")
    got = samples(NetstatCollector(Config(paths=Paths(procfs=tmp_path))).collect())
    assert got == {key("node_netstat_TcpExt_SyncookiesSent"): 0.0}
