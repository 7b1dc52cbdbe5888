import pytest

from exporter.collectors.softnet import SoftnetCollector, parse_softnet
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types

NAMES = ("processed", "dropped", "times_squeezed", "cpu_collision", "received_rps", "flow_limit_count")


def expected(cpu: str, counts: tuple[int, int, int, int], backlog: int):
    """processed, dropped, times squeezed and CPU collisions; no RPS or flow limit on these machines."""
    values = dict(zip(NAMES, (*counts, 0, 0), strict=True))
    got = {key(f"node_softnet_{name}_total", cpu=cpu): float(v) for name, v in values.items()}
    got[key("node_softnet_backlog_len", cpu=cpu)] = float(backlog)
    return got


def test_x86_cpu_ids_come_from_the_file_with_cpu2_offline():
    families = SoftnetCollector(fixture_config("x86-server")).collect()
    assert types(families) == {
        **{f"node_softnet_{name}": "counter" for name in NAMES},
        "node_softnet_backlog_len": "gauge",
    }
    assert samples(families) == {
        **expected("0", (0x1A2B3C4D, 12, 345, 7), 0),
        **expected("1", (0x0F1E2D3C, 0, 210, 3), 2),
        **expected("3", (0x00ABCDEF, 1, 17, 0), 0),
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_softnet_times_squeezed"] == "Number of times processing packets ran out of quota"


@pytest.mark.parametrize(
    ("tree", "cpu0"),
    [("rpi4", expected("0", (1234567, 0, 89, 0), 0)), ("rpi5", expected("0", (4567890, 3, 412, 0), 1))],
)
def test_raspberry_pis_have_four_cpus(tree, cpu0):
    got = samples(SoftnetCollector(fixture_config(tree)).collect())
    assert {dict(labels)["cpu"] for _, labels in got} == {"0", "1", "2", "3"}
    assert {k: v for k, v in got.items() if dict(k[1])["cpu"] == "0"} == cpu0


def test_an_old_kernel_without_the_cpu_column_counts_lines_and_has_no_backlog():
    cpus = parse_softnet(
        "00000010 00000000 00000001 0 0 0 0 0 00000002 00000003 00000004\n" + "00000020 " * 9
    )
    assert cpus == {
        "0": {0: 16.0, 1: 0.0, 2: 1.0, 8: 2.0, 9: 3.0, 10: 4.0},
        "1": {0: 32.0, 1: 32.0, 2: 32.0, 8: 32.0},
    }


@pytest.mark.parametrize("text", ["", "0000 0001\n", "zz 0 0 0 0 0 0 0 0\n"])
def test_garbage_fails_the_collector_naming_the_file(tmp_path, text):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "softnet_stat").write_text(text)
    with pytest.raises(ValueError, match="softnet_stat"):
        SoftnetCollector(Config(paths=Paths(procfs=tmp_path))).collect()
