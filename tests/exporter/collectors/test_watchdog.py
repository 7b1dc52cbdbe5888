import pytest

from exporter.collectors.base import NoDataError
from exporter.collectors.watchdog import WatchdogCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples

INFO = {"options": "", "pretimeout_governor": "", "status": "0x0", "name": "watchdog0"}


def test_x86_itco_watchdog_armed_by_systemd():
    families = WatchdogCollector(fixture_config("x86-server")).collect()
    assert samples(families) == {
        key("node_watchdog_bootstatus", name="watchdog0"): 0.0,
        key("node_watchdog_nowayout", name="watchdog0"): 0.0,
        key("node_watchdog_timeleft_seconds", name="watchdog0"): 22.0,
        key("node_watchdog_timeout_seconds", name="watchdog0"): 30.0,
        key("node_watchdog_info", identity="iTCO_wdt", state="active", **INFO): 1.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_watchdog_timeleft_seconds"] == "Value of /sys/class/watchdog/<watchdog>/timeleft"
    assert help_texts["node_watchdog_info"] == "Info of /sys/class/watchdog/<watchdog>"


@pytest.mark.parametrize("tree", ["rpi4", "rpi5"])
def test_pi_bcm2835_watchdog_inactive(tree):
    got = samples(WatchdogCollector(fixture_config(tree)).collect())
    info = key("node_watchdog_info", identity="Broadcom BCM2835 Watchdog timer", state="inactive", **INFO)
    assert got[info] == 1.0
    assert got[key("node_watchdog_timeout_seconds", name="watchdog0")] == 15.0


def test_no_watchdog_class_is_no_data(tmp_path):
    with pytest.raises(NoDataError):
        WatchdogCollector(Config(paths=Paths(sysfs=tmp_path))).collect()


def test_a_value_that_is_not_a_number_fails_the_collector(tmp_path):
    device = tmp_path / "class/watchdog/watchdog0"
    device.mkdir(parents=True)
    (device / "timeout").write_text("soon\n")
    with pytest.raises(ValueError, match="soon"):
        WatchdogCollector(Config(paths=Paths(sysfs=tmp_path))).collect()
