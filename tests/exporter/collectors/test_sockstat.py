import pytest

from exporter.collectors.sockstat import PAGE_SIZE, SockstatCollector, parse_sockstat
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types

IPV6 = {
    key("node_sockstat_TCP6_inuse"): 38.0,
    key("node_sockstat_UDP6_inuse"): 9.0,
    key("node_sockstat_UDPLITE6_inuse"): 0.0,
    key("node_sockstat_RAW6_inuse"): 1.0,
    key("node_sockstat_FRAG6_inuse"): 0.0,
    key("node_sockstat_FRAG6_memory"): 0.0,
}


def test_x86_ipv4_and_ipv6_with_memory_in_pages_and_bytes():
    families = SockstatCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"gauge"}
    assert samples(families) == {
        key("node_sockstat_sockets_used"): 1874.0,
        key("node_sockstat_TCP_inuse"): 412.0,
        key("node_sockstat_TCP_orphan"): 3.0,
        key("node_sockstat_TCP_tw"): 2190.0,
        key("node_sockstat_TCP_alloc"): 530.0,
        key("node_sockstat_TCP_mem"): 1542.0,
        key("node_sockstat_TCP_mem_bytes"): 1542.0 * PAGE_SIZE,
        key("node_sockstat_UDP_inuse"): 18.0,
        key("node_sockstat_UDP_mem"): 27.0,
        key("node_sockstat_UDP_mem_bytes"): 27.0 * PAGE_SIZE,
        key("node_sockstat_UDPLITE_inuse"): 0.0,
        key("node_sockstat_RAW_inuse"): 1.0,
        key("node_sockstat_FRAG_inuse"): 0.0,
        key("node_sockstat_FRAG_memory"): 0.0,
        **IPV6,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_sockstat_sockets_used"] == "Number of IPv4 sockets in use."
    assert help_texts["node_sockstat_TCP_mem_bytes"] == "Number of TCP sockets in state mem_bytes."


def test_rpi4():
    got = samples(SockstatCollector(fixture_config("rpi4")).collect())
    assert len(got) == 20
    assert got[key("node_sockstat_TCP_tw")] == 14.0
    assert got[key("node_sockstat_UDP_mem_bytes")] == 4.0 * PAGE_SIZE
    assert got[key("node_sockstat_TCP6_inuse")] == 4.0


def test_rpi5_without_ipv6_exports_ipv4_only():
    got = samples(SockstatCollector(fixture_config("rpi5")).collect())
    assert not [name for name, _ in got if "6_" in name]
    assert got[key("node_sockstat_sockets_used")] == 486.0
    assert got[key("node_sockstat_TCP_mem_bytes")] == 9.0 * PAGE_SIZE
    assert len(got) == 14


def test_parse_sockstat():
    assert parse_sockstat("sockets: used 3\nFRAG: inuse 0 memory 0\n") == {
        "sockets": {"used": 3},
        "FRAG": {"inuse": 0, "memory": 0},
    }


@pytest.mark.parametrize("text", ["TCP: inuse\n", "TCP: inuse 1 orphan\n", "TCP: inuse many\n", "TCP:\n"])
def test_garbage_fails_the_collector_naming_the_file(tmp_path, text):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "sockstat").write_text(text)
    with pytest.raises(ValueError, match="net/sockstat"):
        SockstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()
