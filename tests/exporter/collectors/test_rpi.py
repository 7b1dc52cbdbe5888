import shutil

import pytest

from exporter.collectors import rpi
from exporter.collectors.rpi import RpiCollector, board_model, decode_throttled
from tests.exporter.trees import FIXTURES, fixture_config, key, samples


def flags(families):
    return {
        (dict(labels)["condition"], dict(labels)["period"]): value
        for (name, labels), value in samples(families).items()
        if name == "node_rpi_throttled"
    }


def test_decode_throttled_bits():
    decoded = decode_throttled("50005")
    assert {k for k, v in decoded.items() if v} == {
        ("under_voltage", "now"),
        ("throttled", "now"),
        ("under_voltage", "since_boot"),
        ("throttled", "since_boot"),
    }
    assert len(decoded) == 8
    assert not any(decode_throttled("0").values())
    assert {k for k, v in decode_throttled("80008").items() if v} == {
        ("soft_temp_limit", "now"),
        ("soft_temp_limit", "since_boot"),
    }
    with pytest.raises(ValueError):
        decode_throttled("throttled=0x0")


def test_board_model_only_names_a_pi():
    assert board_model("Raspberry Pi 4 Model B Rev 1.4\x00") == "Raspberry Pi 4 Model B Rev 1.4"
    assert board_model("Pine64 RockPro64 v2.1\x00") is None
    assert board_model(None) is None


def test_rpi4_firmware_flags_and_model():
    families = RpiCollector(fixture_config("rpi4")).collect()
    assert flags(families) == {
        ("under_voltage", "now"): 0,
        ("arm_frequency_capped", "now"): 0,
        ("throttled", "now"): 0,
        ("soft_temp_limit", "now"): 0,
        ("under_voltage", "since_boot"): 1,
        ("arm_frequency_capped", "since_boot"): 0,
        ("throttled", "since_boot"): 1,
        ("soft_temp_limit", "since_boot"): 0,
    }
    assert samples(families)[key("node_rpi_board_info", model="Raspberry Pi 4 Model B Rev 1.4")] == 1
    assert {f.name: f.type for f in families} == {
        "node_rpi_throttled": "gauge",
        "node_rpi_board_info": "gauge",
    }


def test_rpi5_firmware_device_and_device_tree_under_sysfs():
    families = RpiCollector(fixture_config("rpi5")).collect()
    assert {k for k, v in flags(families).items() if v} == {
        ("soft_temp_limit", "now"),
        ("soft_temp_limit", "since_boot"),
    }
    assert samples(families)[key("node_rpi_board_info", model="Raspberry Pi 5 Model B Rev 1.0")] == 1


def rpi_volt_only(tmp_path, alarm):
    """A Pi whose kernel has no get_throttled: only the rpi_volt chip and the device tree."""
    sys = tmp_path / "sys"
    chip = sys / "devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon1"
    chip.mkdir(parents=True)
    (chip / "name").write_text("rpi_volt\n")
    (chip / "in0_lcrit_alarm").write_text(f"{alarm}\n")
    (sys / "class/hwmon").mkdir(parents=True)
    (sys / "class/hwmon/hwmon1").symlink_to(
        "../../devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon1"
    )
    shutil.copytree(FIXTURES / "rpi5/sys/firmware", sys / "firmware")
    return fixture_config(
        "rpi5", paths=fixture_config("rpi5").paths.__class__(tmp_path / "proc", sys, tmp_path)
    )


@pytest.mark.parametrize("alarm", [0, 1])
def test_without_get_throttled_the_rpi_volt_alarm_tells_under_voltage_now_only(tmp_path, alarm):
    families = RpiCollector(rpi_volt_only(tmp_path, alarm)).collect()
    assert flags(families) == {("under_voltage", "now"): alarm}
    assert key("node_rpi_board_info", model="Raspberry Pi 5 Model B Rev 1.0") in samples(families)


def test_nothing_on_a_machine_that_is_no_pi():
    assert RpiCollector(fixture_config("x86-server")).collect() == []


def test_garbage_in_get_throttled_is_a_clear_error(tmp_path):
    tree = tmp_path / "rpi4"
    shutil.copytree(FIXTURES / "rpi4/sys", tree / "sys", symlinks=True)
    path = tree / "sys/devices/platform/soc/soc:firmware/get_throttled"
    path.write_text("zz\n")
    config = fixture_config(
        "rpi4", paths=fixture_config("rpi4").paths.__class__(tree / "proc", tree / "sys", tree)
    )
    with pytest.raises(ValueError, match=f"{path} holds 'zz', not the firmware's hex flags"):
        RpiCollector(config).collect()


def test_a_machine_that_is_no_pi_is_searched_again_only_once_a_minute(tmp_path, monkeypatch):
    config = fixture_config(
        "rpi5", paths=fixture_config("rpi5").paths.__class__(tmp_path / "proc", tmp_path / "sys", tmp_path)
    )
    collector = RpiCollector(config)
    searches = []
    real_glob = rpi.glob.glob
    monkeypatch.setattr(rpi.glob, "glob", lambda pattern: searches.append(pattern) or real_glob(pattern))
    now = [1000.0]
    monkeypatch.setattr(rpi.time, "monotonic", lambda: now[0])
    assert collector.collect() == []
    searched = len(searches)
    rpi_volt_only(tmp_path, 1)  # the firmware driver shows up late
    now[0] += rpi.SEARCH_AGAIN - 1
    assert collector.collect() == []
    assert len(searches) == searched
    now[0] += 1
    assert flags(collector.collect()) == {("under_voltage", "now"): 1}
    assert len(searches) == 2 * searched


def test_a_place_that_can_no_longer_be_read_is_searched_for_again(tmp_path):
    collector = RpiCollector(rpi_volt_only(tmp_path, 0))
    assert flags(collector.collect()) == {("under_voltage", "now"): 0}
    chip = tmp_path / "sys/devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon1"
    moved = chip.parent / "hwmon2"
    chip.rename(moved)  # the driver was loaded again and got another number
    (moved / "in0_lcrit_alarm").write_text("1\n")
    (tmp_path / "sys/class/hwmon/hwmon1").unlink()
    (tmp_path / "sys/class/hwmon/hwmon2").symlink_to(
        "../../devices/platform/soc/soc:firmware/raspberrypi-hwmon/hwmon/hwmon2"
    )
    assert flags(collector.collect()) == {("under_voltage", "now"): 1}
