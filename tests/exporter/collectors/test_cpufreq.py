import pytest

from exporter.collectors.cpufreq import CpufreqCollector, parse_cpu_list
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_intel_pstate_skips_the_offline_cpu_and_has_no_root_only_current_frequency():
    families = CpufreqCollector(fixture_config("x86-server")).collect()
    got = samples(families)
    assert set(types(families).values()) == {"gauge"}
    assert {dict(labels)["cpu"] for _, labels in got} == {"0", "1", "3"}
    assert got[key("node_cpu_scaling_frequency_hertz", cpu="0")] == 2100123000.0
    assert got[key("node_cpu_frequency_avg_hertz", cpu="3")] == 4512345000.0
    assert got[key("node_cpu_frequency_min_hertz", cpu="1")] == 800000000.0
    assert got[key("node_cpu_scaling_frequency_max_hertz", cpu="1")] == 4700000000.0
    assert got[key("node_cpu_scaling_governor", cpu="0", governor="powersave")] == 1.0
    assert got[key("node_cpu_scaling_governor", cpu="0", governor="performance")] == 0.0
    # intel_pstate has no cpuinfo_cur_freq: the family is empty, so not exposed.
    assert not any(name == "node_cpu_frequency_hertz" for name, _ in got)
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_cpu_scaling_frequency_hertz"] == "Current scaled CPU thread frequency in hertz."
    assert help_texts["node_cpu_scaling_governor"] == "Current enabled CPU frequency governor."


def test_rpi4_one_cpufreq_dt_policy_shared_by_the_four_cores():
    got = samples(CpufreqCollector(fixture_config("rpi4")).collect())
    for cpu in "0123":
        assert got[key("node_cpu_frequency_hertz", cpu=cpu)] == 600000000.0
        assert got[key("node_cpu_frequency_max_hertz", cpu=cpu)] == 1800000000.0
        governors = {
            dict(labels)["governor"]: value
            for (name, labels), value in got.items()
            if name == "node_cpu_scaling_governor" and dict(labels)["cpu"] == cpu
        }
        assert governors == {
            "conservative": 0.0,
            "ondemand": 1.0,
            "userspace": 0.0,
            "powersave": 0.0,
            "performance": 0.0,
            "schedutil": 0.0,
        }
    assert len(got) == 4 * (6 + 6)


def test_rpi5_cortex_a76_up_to_2_4_ghz():
    got = samples(CpufreqCollector(fixture_config("rpi5")).collect())
    assert got[key("node_cpu_frequency_hertz", cpu="2")] == 1500000000.0
    assert got[key("node_cpu_frequency_max_hertz", cpu="2")] == 2400000000.0
    assert got[key("node_cpu_scaling_governor", cpu="3", governor="ondemand")] == 1.0


@pytest.mark.parametrize(
    ("text", "cpus"), [("\n", set()), ("2\n", {2}), ("0-2,5\n", {0, 1, 2, 5}), ("1,3-4", {1, 3, 4})]
)
def test_the_kernel_cpu_list_format(text, cpus):
    assert parse_cpu_list(text) == cpus


def test_a_vm_without_cpufreq_succeeds_with_nothing_as_node_exporter(tmp_path):
    (tmp_path / "devices/system/cpu/cpu0").mkdir(parents=True)
    (tmp_path / "devices/system/cpu/offline").write_text("\n")
    assert samples(CpufreqCollector(Config(paths=Paths(sysfs=tmp_path))).collect()) == {}


def test_no_offline_file_fails_as_node_exporter(tmp_path):
    (tmp_path / "devices/system/cpu/cpu0").mkdir(parents=True)
    with pytest.raises(FileNotFoundError):
        CpufreqCollector(Config(paths=Paths(sysfs=tmp_path))).collect()
