from exporter.collectors.meminfo import MeminfoCollector, parse_meminfo
from tests.exporter.trees import fixture_config, key, samples


def test_rpi4_every_field_with_node_exporter_names():
    families = MeminfoCollector(fixture_config("rpi4")).collect()
    assert {f.type for f in families} == {"gauge"}
    assert samples(families) == {
        key("node_memory_MemTotal_bytes"): 3978645504.0,
        key("node_memory_MemFree_bytes"): 2370625536.0,
        key("node_memory_MemAvailable_bytes"): 3348623360.0,
        key("node_memory_Buffers_bytes"): 62144512.0,
        key("node_memory_Cached_bytes"): 1006899200.0,
        key("node_memory_SwapCached_bytes"): 0.0,
        key("node_memory_Active_anon_bytes"): 12697600.0,
        key("node_memory_Inactive_file_bytes"): 729305088.0,
        key("node_memory_SwapTotal_bytes"): 104853504.0,
        key("node_memory_SwapFree_bytes"): 104853504.0,
        key("node_memory_CmaTotal_bytes"): 536870912.0,
        key("node_memory_HugePages_Total"): 0.0,
        key("node_memory_Hugepagesize_bytes"): 2097152.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_memory_Active_anon_bytes"] == "Memory information field Active_anon_bytes."


def test_counts_have_no_bytes_suffix():
    assert parse_meminfo("HugePages_Free:        2\nDirectMap1G:    1 kB\n") == {
        "HugePages_Free": 2.0,
        "DirectMap1G_bytes": 1024.0,
    }
