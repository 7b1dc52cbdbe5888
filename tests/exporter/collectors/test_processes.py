import shutil

import pytest

from exporter.collectors import DEFAULT_ENABLED
from exporter.collectors.processes import ProcessesCollector, parse_pid_stat
from exporter.config import Config, Paths
from tests.exporter.trees import FIXTURES, fixture_config, key, samples, types


def test_off_by_default_as_upstream():
    assert "processes" not in DEFAULT_ENABLED


def test_x86_processes_and_threads_by_state():
    families = ProcessesCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"gauge"}
    assert samples(families) == {
        key("node_processes_threads"): 16.0,
        key("node_processes_max_threads"): 511856.0,
        key("node_processes_state", state="I"): 2.0,
        key("node_processes_state", state="S"): 4.0,
        key("node_processes_state", state="Z"): 1.0,
        key("node_processes_threads_state", thread_state="D"): 1.0,
        key("node_processes_threads_state", thread_state="I"): 2.0,
        key("node_processes_threads_state", thread_state="R"): 1.0,
        key("node_processes_threads_state", thread_state="S"): 11.0,
        key("node_processes_threads_state", thread_state="Z"): 1.0,
        key("node_processes_pids"): 7.0,
        key("node_processes_max_processes"): 4194304.0,
    }
    assert {f.name: f.documentation for f in families} == {
        "node_processes_threads": "Allocated threads in system",
        "node_processes_max_threads": "Limit of threads in the system",
        "node_processes_state": "Number of processes in each state.",
        "node_processes_threads_state": "Number of threads in each state.",
        "node_processes_pids": "Number of PIDs",
        "node_processes_max_processes": "Number of max PIDs limit",
    }


def test_rpi5_dispynode_in_uninterruptible_sleep_and_k3s_with_a_space_in_its_comm():
    assert samples(ProcessesCollector(fixture_config("rpi5")).collect()) == {
        key("node_processes_threads"): 16.0,
        key("node_processes_max_threads"): 64414.0,
        key("node_processes_state", state="D"): 1.0,
        key("node_processes_state", state="R"): 1.0,
        key("node_processes_state", state="S"): 4.0,
        key("node_processes_threads_state", thread_state="D"): 1.0,
        key("node_processes_threads_state", thread_state="R"): 2.0,
        key("node_processes_threads_state", thread_state="S"): 13.0,
        key("node_processes_pids"): 6.0,
        key("node_processes_max_processes"): 4194304.0,
    }
    assert samples(ProcessesCollector(fixture_config("rpi4")).collect())[key("node_processes_pids")] == 5.0


def test_parse_pid_stat_takes_the_last_parenthesis():
    line = "42 (a) b (c)) R 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 1 2 3"
    assert parse_pid_stat(line) == ("R", 3)
    with pytest.raises(ValueError):
        parse_pid_stat("42 (short) R 1\n")


def test_a_process_that_exits_during_the_walk_is_not_counted(tmp_path):
    shutil.copytree(FIXTURES / "rpi4" / "proc", tmp_path / "proc", symlinks=True)
    (tmp_path / "proc" / "9999").mkdir()  # listed, but gone before its stat is read
    got = samples(ProcessesCollector(Config(paths=Paths(procfs=tmp_path / "proc"))).collect())
    assert got[key("node_processes_pids")] == 5.0


def test_a_garbage_stat_fails_the_collector(tmp_path):
    shutil.copytree(FIXTURES / "rpi4" / "proc", tmp_path / "proc", symlinks=True)
    (tmp_path / "proc" / "512" / "stat").write_text("512 (python3) R\n")
    with pytest.raises(ValueError, match="not a /proc/<pid>/stat line"):
        ProcessesCollector(Config(paths=Paths(procfs=tmp_path / "proc"))).collect()
