import shutil

import pytest

from exporter.collectors.conntrack import ConntrackCollector
from exporter.config import Config, Paths
from tests.exporter.trees import FIXTURES, fixture_config, key, samples, types

HELP = {
    "node_nf_conntrack_entries": "Number of currently allocated flow entries for connection tracking.",
    "node_nf_conntrack_entries_limit": "Maximum size of connection tracking table.",
    "node_nf_conntrack_stat_found": "Number of searched entries which were successful.",
    "node_nf_conntrack_stat_invalid": "Number of packets seen which can not be tracked.",
    "node_nf_conntrack_stat_ignore": "Number of packets seen which are already connected to a conntrack"
    " entry.",
    "node_nf_conntrack_stat_insert": "Number of entries inserted into the list.",
    "node_nf_conntrack_stat_insert_failed": "Number of entries for which list insertion was attempted but"
    " failed.",
    "node_nf_conntrack_stat_drop": "Number of packets dropped due to conntrack failure.",
    "node_nf_conntrack_stat_early_drop": "Number of dropped conntrack entries to make room for new ones, if"
    " maximum table size was reached.",
    "node_nf_conntrack_stat_search_restart": "Number of conntrack table lookups which had to be restarted due"
    " to hashtable resizes.",
}


def test_x86_docker_host_sums_the_per_cpu_statistics():
    families = ConntrackCollector(fixture_config("x86-server")).collect()
    assert {f.name: f.documentation for f in families} == HELP
    assert set(types(families).values()) == {"gauge"}
    assert samples(families) == {
        key("node_nf_conntrack_entries"): 1873.0,
        key("node_nf_conntrack_entries_limit"): 262144.0,
        key("node_nf_conntrack_stat_found"): 316.0,
        key("node_nf_conntrack_stat_invalid"): 12601.0,
        key("node_nf_conntrack_stat_ignore"): 0.0,
        key("node_nf_conntrack_stat_insert"): 0.0,
        key("node_nf_conntrack_stat_insert_failed"): 2.0,
        key("node_nf_conntrack_stat_drop"): 1.0,
        key("node_nf_conntrack_stat_early_drop"): 0.0,
        key("node_nf_conntrack_stat_search_restart"): 89.0,
    }


def test_rpi5_running_k3s():
    got = samples(ConntrackCollector(fixture_config("rpi5")).collect())
    assert got[key("node_nf_conntrack_entries")] == 214.0
    assert got[key("node_nf_conntrack_entries_limit")] == 65536.0
    assert got[key("node_nf_conntrack_stat_found")] == 36.0
    assert got[key("node_nf_conntrack_stat_search_restart")] == 10.0


def test_rpi4_without_the_module_loaded_has_no_data():
    with pytest.raises(FileNotFoundError):
        ConntrackCollector(fixture_config("rpi4")).collect()


def test_without_the_statistics_file_the_size_and_limit_are_still_exported(tmp_path):
    shutil.copytree(FIXTURES / "rpi5" / "proc" / "sys", tmp_path / "sys")
    got = samples(ConntrackCollector(Config(paths=Paths(procfs=tmp_path))).collect())
    assert got == {key("node_nf_conntrack_entries"): 214.0, key("node_nf_conntrack_entries_limit"): 65536.0}


def test_an_old_kernel_has_no_search_restart_column(tmp_path):
    shutil.copytree(FIXTURES / "rpi5" / "proc" / "sys", tmp_path / "sys")
    (tmp_path / "net" / "stat").mkdir(parents=True)
    (tmp_path / "net" / "stat" / "nf_conntrack").write_text(
        "entries searched found\n" + "00000001 " * 16 + "\n"
    )
    got = samples(ConntrackCollector(Config(paths=Paths(procfs=tmp_path))).collect())
    assert key("node_nf_conntrack_stat_search_restart") not in got
    assert got[key("node_nf_conntrack_stat_early_drop")] == 1.0


@pytest.mark.parametrize("stat", ["header\n00000001 00000002\n", "header\n" + "zz " * 17, "header only\n"])
def test_garbage_fails_the_collector_naming_the_file(tmp_path, stat):
    shutil.copytree(FIXTURES / "rpi5" / "proc" / "sys", tmp_path / "sys")
    (tmp_path / "net" / "stat").mkdir(parents=True)
    (tmp_path / "net" / "stat" / "nf_conntrack").write_text(stat)
    with pytest.raises(ValueError, match="nf_conntrack"):
        ConntrackCollector(Config(paths=Paths(procfs=tmp_path))).collect()


def test_a_count_that_is_not_a_number_fails_the_collector_naming_the_file(tmp_path):
    shutil.copytree(FIXTURES / "rpi5" / "proc" / "sys", tmp_path / "sys")
    (tmp_path / "sys" / "net" / "netfilter" / "nf_conntrack_count").write_text("lots\n")
    with pytest.raises(ValueError, match="nf_conntrack_count"):
        ConntrackCollector(Config(paths=Paths(procfs=tmp_path))).collect()
