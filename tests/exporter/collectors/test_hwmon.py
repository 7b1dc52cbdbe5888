import pytest

from exporter.collectors.hwmon import HwmonCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples


def test_rpi4_cpu_thermal_and_rpi_volt():
    families = HwmonCollector(fixture_config("rpi4")).collect()
    assert {f.type for f in families} == {"gauge"}
    assert samples(families) == {
        key("node_hwmon_chip_names", chip="thermal_thermal_zone0", chip_name="cpu_thermal"): 1.0,
        key("node_hwmon_chip_names", chip="soc:firmware_raspberrypi_hwmon", chip_name="rpi_volt"): 1.0,
        key("node_hwmon_temp_celsius", chip="thermal_thermal_zone0", sensor="temp1"): 48.686,
        # node_exporter also reads the device directory, here the thermal zone with its bare `temp` file.
        key("node_hwmon_temp_celsius", chip="thermal_thermal_zone0", sensor="temp0"): 48.686,
        key("node_hwmon_in_lcrit_alarm_volts", chip="soc:firmware_raspberrypi_hwmon", sensor="in0"): 0.0,
    }


def test_x86_coretemp_and_two_nvme_drives_stay_separate_chips():
    families = HwmonCollector(fixture_config("x86-server")).collect()
    got = samples(families)
    chips = {
        dict(labels)["chip"]: dict(labels)["chip_name"]
        for (n, labels), _ in got.items()
        if n.endswith("names")
    }
    assert chips == {"platform_coretemp_0": "coretemp", "nvme_nvme0": "nvme", "nvme_nvme1": "nvme"}
    temps = {
        (dict(labels)["chip"], dict(labels)["sensor"]): v
        for (name, labels), v in got.items()
        if name == "node_hwmon_temp_celsius"
    }
    assert temps == {
        ("platform_coretemp_0", "temp1"): 45.0,
        ("platform_coretemp_0", "temp2"): 43.0,
        ("platform_coretemp_0", "temp3"): 44.0,
        ("nvme_nvme0", "temp1"): 38.85,
        ("nvme_nvme0", "temp2"): 38.85,
        ("nvme_nvme1", "temp1"): 41.85,
    }
    assert got[key("node_hwmon_temp_max_celsius", chip="platform_coretemp_0", sensor="temp1")] == 80.0
    # Millidegrees times 0.001, exactly as node_exporter scales them (87850 * 0.001 is not 87.85 in binary).
    assert got[key("node_hwmon_temp_crit_celsius", chip="nvme_nvme1", sensor="temp1")] == 87.85000000000001
    assert got[key("node_hwmon_temp_crit_alarm_celsius", chip="platform_coretemp_0", sensor="temp1")] == 0.0
    assert got[key("node_hwmon_temp_min_celsius", chip="nvme_nvme0", sensor="temp1")] == -273.15000000000003
    assert got[key("node_hwmon_temp_alarm", chip="nvme_nvme0", sensor="temp1")] == 0.0
    labels = {
        (dict(ls)["chip"], dict(ls)["sensor"]): dict(ls)["label"]
        for (n, ls), _ in got.items()
        if n.endswith("label")
    }
    assert labels == {
        ("platform_coretemp_0", "temp1"): "Package id 0",
        ("platform_coretemp_0", "temp2"): "Core 0",
        ("platform_coretemp_0", "temp3"): "Core 1",
        ("nvme_nvme0", "temp1"): "Composite",
        ("nvme_nvme0", "temp2"): "Sensor 1",
        ("nvme_nvme1", "temp1"): "Composite",
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_hwmon_temp_celsius"] == "Hardware monitor for temperature (input)"


def test_a_machine_without_hwmon_fails_the_collector(tmp_path):
    with pytest.raises(FileNotFoundError):
        HwmonCollector(Config(paths=Paths(sysfs=tmp_path))).collect()
