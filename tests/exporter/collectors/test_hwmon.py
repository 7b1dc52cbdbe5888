import re

import pytest

from exporter.collectors.hwmon import HwmonCollector, chip_names, readings
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
    assert chips == {
        "platform_coretemp_0": "coretemp",
        "nvme_nvme0": "nvme",
        "nvme_nvme1": "nvme",
        "platform_nct6775_656": "nct6798",
    }
    temps = {
        (dict(labels)["chip"], dict(labels)["sensor"]): v
        for (name, labels), v in got.items()
        if name == "node_hwmon_temp_celsius" and dict(labels)["chip"] != "platform_nct6775_656"
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
        if n.endswith("label") and dict(ls)["chip"] != "platform_nct6775_656"
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


NCT = "platform_nct6775_656"


def test_x86_super_io_limits_alarms_fans_pwm_and_intrusion():
    families = HwmonCollector(fixture_config("x86-server")).collect()
    got = {
        (name, dict(labels).get("sensor")): v
        for (name, labels), v in samples(families).items()
        if ("chip", NCT) in labels
    }
    assert got == {
        ("node_hwmon_chip_names", None): 1.0,
        ("node_hwmon_sensor_label", "in0"): 1.0,
        ("node_hwmon_sensor_label", "in2"): 1.0,
        ("node_hwmon_sensor_label", "temp1"): 1.0,
        ("node_hwmon_in_volts", "in0"): 1.016,
        ("node_hwmon_in_min_volts", "in0"): 0.0,
        ("node_hwmon_in_max_volts", "in0"): 1.744,
        ("node_hwmon_in_alarm", "in0"): 0.0,
        ("node_hwmon_in_beep_enabled", "in0"): 0.0,
        ("node_hwmon_in_volts", "in1"): 1.008,
        ("node_hwmon_in_min_volts", "in1"): 1.0,
        ("node_hwmon_in_max_volts", "in1"): 1.1,
        ("node_hwmon_in_alarm", "in1"): 0.0,
        ("node_hwmon_in_volts", "in2"): 3.344,
        ("node_hwmon_in_min_volts", "in2"): 2.96,
        ("node_hwmon_in_max_volts", "in2"): 3.632,
        ("node_hwmon_in_alarm", "in2"): 0.0,
        ("node_hwmon_fan_rpm", "fan1"): 1041.0,
        ("node_hwmon_fan_min_rpm", "fan1"): 300.0,
        ("node_hwmon_fan_alarm", "fan1"): 0.0,
        ("node_hwmon_fan_beep_enabled", "fan1"): 0.0,
        ("node_hwmon_fan_pulses", "fan1"): 2.0,
        # A stopped fan below its minimum raises its alarm.
        ("node_hwmon_fan_rpm", "fan2"): 0.0,
        ("node_hwmon_fan_min_rpm", "fan2"): 300.0,
        ("node_hwmon_fan_alarm", "fan2"): 1.0,
        ("node_hwmon_pwm", "pwm1"): 102.0,
        ("node_hwmon_pwm_enable", "pwm1"): 5.0,
        ("node_hwmon_pwm_mode", "pwm1"): 1.0,
        ("node_hwmon_temp_celsius", "temp1"): 34.0,
        ("node_hwmon_temp_max_celsius", "temp1"): 80.0,
        ("node_hwmon_temp_max_hyst_celsius", "temp1"): 75.0,
        ("node_hwmon_temp_alarm", "temp1"): 0.0,
        ("node_hwmon_temp_beep_enabled", "temp1"): 0.0,
        ("node_hwmon_temp_type", "temp1"): 4.0,
        ("node_hwmon_intrusion_alarm", "intrusion0"): 1.0,
        ("node_hwmon_beep_enabled", "beep_enable0"): 0.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_hwmon_fan_rpm"] == "Hardware monitor for fan revolutions per minute (input)"
    assert help_texts["node_hwmon_in_alarm"] == "Hardware sensor alarm status (in)"
    assert help_texts["node_hwmon_pwm_enable"] == "Hardware monitor pwm element enable"


def test_rpi5_cpu_thermal_rp1_adc_rpi_volt_and_the_active_cooler_fan():
    got = samples(HwmonCollector(fixture_config("rpi5")).collect())
    adc, fan = "1f00000000_rp1_1f000c8000_adc", "platform_cooling_fan"
    volt = "soc_107c000000:firmware_raspberrypi_hwmon"
    assert got == {
        key("node_hwmon_chip_names", chip="thermal_thermal_zone0", chip_name="cpu_thermal"): 1.0,
        key("node_hwmon_chip_names", chip=volt, chip_name="rpi_volt"): 1.0,
        key("node_hwmon_chip_names", chip=adc, chip_name="rp1_adc"): 1.0,
        key("node_hwmon_chip_names", chip=fan, chip_name="pwmfan"): 1.0,
        key("node_hwmon_temp_celsius", chip="thermal_thermal_zone0", sensor="temp0"): 51.25,
        key("node_hwmon_temp_celsius", chip="thermal_thermal_zone0", sensor="temp1"): 51.25,
        key("node_hwmon_in_lcrit_alarm_volts", chip=volt, sensor="in0"): 0.0,
        key("node_hwmon_in_volts", chip=adc, sensor="in1"): 1.483,
        key("node_hwmon_in_volts", chip=adc, sensor="in2"): 2.063,
        key("node_hwmon_in_volts", chip=adc, sensor="in3"): 1.401,
        key("node_hwmon_in_volts", chip=adc, sensor="in4"): 2.06,
        key("node_hwmon_temp_celsius", chip=adc, sensor="temp1"): 56.186,
        key("node_hwmon_fan_rpm", chip=fan, sensor="fan1"): 2915.0,
        key("node_hwmon_pwm", chip=fan, sensor="pwm1"): 75.0,
        key("node_hwmon_pwm_enable", chip=fan, sensor="pwm1"): 1.0,
    }


def test_energy_power_humidity_and_clocks_as_node_exporter_names_and_scales_them():
    assert readings("energy", "energy1", {"input": "123456789"}) == [
        (
            "node_hwmon_energy_joule_total",
            "Hardware monitor for joules used so far (input)",
            "counter",
            123.456789,
            "energy1",
        )
    ]
    assert readings(
        "power", "power1", {"accuracy": "50000", "average_interval": "1000", "input": "9500000"}
    ) == [
        (
            "node_hwmon_power_accuracy",
            "Hardware monitor power meter accuracy, as a ratio",
            "gauge",
            0.05,
            "power1",
        ),
        (
            "node_hwmon_power_average_interval_seconds",
            "Hardware monitor power usage update interval (average_interval)",
            "gauge",
            1.0,
            "power1",
        ),
        (
            "node_hwmon_power_watt",
            "Hardware monitor for power usage in watts (input)",
            "gauge",
            9.5,
            "power1",
        ),
    ]
    assert readings("humidity", "humidity1", {"input": "453000"})[0][3] == 0.453
    # A GPU clock is exported under its label, and not at all without one.
    assert readings("freq", "freq1", {"input": "1500000000", "label": "sclk"}) == [
        ("node_hwmon_freq_freq_mhz", "Hardware monitor for GPU frequency in MHz", "gauge", 1500.0, "sclk")
    ]
    assert readings("freq", "freq1", {"input": "1500000000"}) == []
    assert readings("update_interval", "update_interval0", {"": "2000"})[0][3] == 2.0
    assert readings("vrm", "vrm0", {"": "garbage"}) == []
    # Both a bare file and an `_input` one: the latter gets its own name, as upstream.
    assert [r[0] for r in readings("temp", "temp0", {"": "1000", "input": "2000"})] == [
        "node_hwmon_temp_celsius",
        "node_hwmon_temp_input_celsius",
    ]


def test_two_chips_on_one_device_get_their_name_appended(tmp_path):
    device = tmp_path / "devices/platform/asus-nb-wmi"
    first, second = device / "hwmon/hwmon4", device / "hwmon/hwmon5"
    for directory, name in ((first, "asus"), (second, "asus_fan")):
        directory.mkdir(parents=True)
        (directory / "name").write_text(name + "\n")
        (directory / "device").symlink_to("../..")
    assert chip_names([str(first), str(second)]) == {
        str(first): ("platform_asus_nb_wmi_asus", "asus"),
        str(second): ("platform_asus_nb_wmi_asus_fan", "asus_fan"),
    }


def test_chip_and_sensor_filters_as_node_exporters():
    chips_only = fixture_config("x86-server", hwmon_chip_include=re.compile("nvme"))
    assert {dict(labels)["chip"] for _, labels in samples(HwmonCollector(chips_only).collect())} == {
        "nvme_nvme0",
        "nvme_nvme1",
    }
    no_core_1 = fixture_config("x86-server", hwmon_sensor_exclude=re.compile("^platform_coretemp_0;temp3$"))
    got = samples(HwmonCollector(no_core_1).collect())
    assert key("node_hwmon_temp_celsius", chip="platform_coretemp_0", sensor="temp2") in got
    assert not any(
        dict(labels).get("sensor") == "temp3" and "coretemp" in dict(labels)["chip"] for _, labels in got
    )
    # The chip's name annotation stays: only the sensor is left out.
    assert key("node_hwmon_chip_names", chip="platform_coretemp_0", chip_name="coretemp") in got
