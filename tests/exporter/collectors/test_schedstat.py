import pytest

from exporter.collectors.schedstat import SchedstatCollector, parse_schedstat
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_seconds_from_nanoseconds_for_the_online_cpus():
    families = SchedstatCollector(fixture_config("x86-server")).collect()
    assert types(families) == {
        "node_schedstat_running_seconds": "counter",
        "node_schedstat_waiting_seconds": "counter",
        "node_schedstat_timeslices": "counter",
    }
    assert samples(families) == {
        key("node_schedstat_running_seconds_total", cpu="0"): 8123.456789012,
        key("node_schedstat_waiting_seconds_total", cpu="0"): 412.345678901,
        key("node_schedstat_timeslices_total", cpu="0"): 98765432.0,
        key("node_schedstat_running_seconds_total", cpu="1"): 7987.654321098,
        key("node_schedstat_waiting_seconds_total", cpu="1"): 398.765432109,
        key("node_schedstat_timeslices_total", cpu="1"): 95432109.0,
        key("node_schedstat_running_seconds_total", cpu="3"): 8012.345678901,
        key("node_schedstat_waiting_seconds_total", cpu="3"): 405.678901234,
        key("node_schedstat_timeslices_total", cpu="3"): 97654321.0,
    }
    assert [f.documentation for f in families] == [
        "Number of seconds CPU spent running a process.",
        "Number of seconds spent by processing waiting for this CPU.",
        "Number of timeslices executed by CPU.",
    ]


@pytest.mark.parametrize(("tree", "running3"), [("rpi4", 1176.543210987), ("rpi5", 2212.345678901)])
def test_raspberry_pis(tree, running3):
    got = samples(SchedstatCollector(fixture_config(tree)).collect())
    assert len(got) == 12
    assert got[key("node_schedstat_running_seconds_total", cpu="3")] == running3


def test_domain_and_version_lines_are_not_cpus():
    assert parse_schedstat(
        "version 15\ntimestamp 1\ncpu7 0 0 0 0 0 0 2000000000 1000000000 5\ndomain0 ff 1 2\n"
    ) == {"7": (2.0, 1.0, 5.0)}


def test_a_file_without_cpu_lines_fails_the_collector_naming_the_file(tmp_path):
    (tmp_path / "schedstat").write_text("version 15\ncpu0 running fast\n")
    with pytest.raises(ValueError, match="schedstat"):
        SchedstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()


def test_a_kernel_without_schedstat_has_no_data(tmp_path):
    with pytest.raises(FileNotFoundError):
        SchedstatCollector(Config(paths=Paths(procfs=tmp_path))).collect()
