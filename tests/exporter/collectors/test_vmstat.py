import re

import pytest

from exporter.collectors.vmstat import VmstatCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_default_fields_are_node_exporters():
    families = VmstatCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"unknown"}
    assert samples(families) == {
        key("node_vmstat_pgpgin"): 48211234.0,
        key("node_vmstat_pgpgout"): 91234567.0,
        key("node_vmstat_pswpin"): 1024.0,
        key("node_vmstat_pswpout"): 4096.0,
        key("node_vmstat_pgfault"): 5123456789.0,
        key("node_vmstat_pgmajfault"): 23456.0,
        key("node_vmstat_oom_kill"): 2.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_vmstat_pgmajfault"] == "/proc/vmstat information field pgmajfault."


def test_rpi4_refault_matches_the_fault_pattern_only_when_it_starts_with_pg():
    got = samples(VmstatCollector(fixture_config("rpi4")).collect())
    assert key("node_vmstat_workingset_refault_file") not in got
    assert got[key("node_vmstat_pgmajfault")] == 4321.0


def test_the_field_filter_is_configurable_and_none_exports_everything():
    nr = samples(VmstatCollector(fixture_config("rpi4", vmstat_fields=re.compile("^nr_"))).collect())
    assert nr == {key("node_vmstat_nr_free_pages"): 412345.0}
    assert len(samples(VmstatCollector(fixture_config("rpi4", vmstat_fields=None)).collect())) == 9


def test_a_line_that_is_not_name_value_fails_the_collector(tmp_path):
    (tmp_path / "vmstat").write_text("pgfault 12\nthis is not vmstat\n")
    with pytest.raises(ValueError):
        VmstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()
