from exporter.collectors.cpu import CpuCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def write_stat(tmp_path, idle0, iowait0, user1=100):
    proc = tmp_path / "proc"
    proc.mkdir(exist_ok=True)
    (proc / "stat").write_text(
        "cpu  0 0 0 0 0 0 0 0 0 0\n"
        f"cpu0 100 0 50 {idle0} {iowait0} 0 0 0 0 0\n"
        f"cpu1 {user1} 0 50 1000 20 0 0 0 0 0\n"
    )


def test_x86_server_keeps_kernel_cpu_ids_with_an_offline_cpu():
    families = CpuCollector(fixture_config("x86-server")).collect()
    got = samples(families)
    assert types(families) == {"node_cpu_seconds": "counter", "node_cpu_guest_seconds": "counter"}
    assert sorted({labels[0][1] for _, labels in got}) == ["0", "1", "3"]
    assert got[key("node_cpu_seconds_total", cpu="3", mode="user")] == 5000.0
    assert got[key("node_cpu_seconds_total", cpu="3", mode="idle")] == 200000.0
    assert got[key("node_cpu_seconds_total", cpu="0", mode="steal")] == 1.75
    assert got[key("node_cpu_guest_seconds_total", cpu="3", mode="user")] == 0.5
    assert got[key("node_cpu_guest_seconds_total", cpu="3", mode="nice")] == 0.0
    assert len(got) == 3 * 8 + 3 * 2


def test_rpi4_every_mode_of_cpu0():
    got = samples(CpuCollector(fixture_config("rpi4")).collect())
    cpu0 = {
        labels[1][1]: v
        for (name, labels), v in got.items()
        if name == "node_cpu_seconds_total" and labels[0][1] == "0"
    }
    assert cpu0 == {
        "user": 540.2,
        "nice": 10.64,
        "system": 254.3,
        "idle": 35066.12,
        "iowait": 49.12,
        "irq": 0.0,
        "softirq": 26.2,
        "steal": 0.0,
    }


def test_guest_can_be_turned_off():
    families = CpuCollector(fixture_config("rpi4", cpu_guest=False)).collect()
    assert [f.name for f in families] == ["node_cpu_seconds"]


def test_counters_that_go_down_keep_their_last_value(tmp_path):
    collector = CpuCollector(Config(paths=Paths(procfs=tmp_path / "proc")))
    write_stat(tmp_path, idle0=1000, iowait0=50)
    collector.collect()
    # iowait may decrease (proc(5)); idle drops by less than the hot-plug threshold.
    write_stat(tmp_path, idle0=900, iowait0=40, user1=150)
    got = samples(collector.collect())
    assert got[key("node_cpu_seconds_total", cpu="0", mode="iowait")] == 0.5
    assert got[key("node_cpu_seconds_total", cpu="0", mode="idle")] == 10.0
    assert got[key("node_cpu_seconds_total", cpu="1", mode="user")] == 1.5


def test_an_idle_jump_back_means_hotplug_and_resets_that_cpu(tmp_path):
    collector = CpuCollector(Config(paths=Paths(procfs=tmp_path / "proc")))
    write_stat(tmp_path, idle0=100000, iowait0=50)
    collector.collect()
    write_stat(tmp_path, idle0=200, iowait0=10)
    got = samples(collector.collect())
    assert got[key("node_cpu_seconds_total", cpu="0", mode="idle")] == 2.0
    assert got[key("node_cpu_seconds_total", cpu="0", mode="iowait")] == 0.1
