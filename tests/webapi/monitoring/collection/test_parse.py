import httpx
import pytest

from tests.support.webservice import debian_exporter, our_exporter
from webapi.monitoring.collection.parse import parse_snapshot

PAGE = """\
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 100
node_cpu_seconds_total{cpu="0",mode="user"} 20
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes 1000
# TYPE node_memory_MemAvailable_bytes gauge
node_memory_MemAvailable_bytes 250
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/root",fstype="ext4",mountpoint="/"} 400
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/root",fstype="ext4",mountpoint="/"} 100
# TYPE node_network_receive_bytes_total counter
node_network_receive_bytes_total{device="eth0"} 5000
node_network_receive_bytes_total{device="lo"} 7
# TYPE node_network_transmit_bytes_total counter
node_network_transmit_bytes_total{device="eth0"} 3000
node_network_transmit_bytes_total{device="lo"} 7
# TYPE node_hwmon_temp_celsius gauge
node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp1"} 51
node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp2"} 48
# TYPE node_hwmon_chip_names gauge
node_hwmon_chip_names{chip="platform_coretemp_0",chip_name="coretemp"} 1
# TYPE node_hwmon_sensor_label gauge
node_hwmon_sensor_label{chip="platform_coretemp_0",label="Package id 0",sensor="temp1"} 1
# TYPE node_thermal_zone_temp gauge
node_thermal_zone_temp{type="cpu-thermal",zone="0"} 50.5
# TYPE node_load1 gauge
node_load1 0.5
# TYPE node_boot_time_seconds gauge
node_boot_time_seconds 1000
# TYPE node_time_seconds gauge
node_time_seconds 4600
# TYPE node_rpi_throttled gauge
node_rpi_throttled{condition="under_voltage",period="now"} 0
node_rpi_throttled{condition="under_voltage",period="since_boot"} 1
# TYPE go_goroutines gauge
go_goroutines 9
"""


def test_the_wanted_series_are_read():
    snap = parse_snapshot(PAGE, ts=10.0)
    assert snap.cpu == {"0": {"idle": 100.0, "user": 20.0}}
    assert snap.memory == {"MemTotal": 1000.0, "MemAvailable": 250.0}
    assert snap.filesystems["/"].size_bytes == 400 and snap.filesystems["/"].avail_bytes == 100
    assert snap.network == {"eth0": (5000.0, 3000.0), "lo": (7.0, 7.0)}
    assert snap.hwmon == {"coretemp Package id 0": 51.0, "coretemp temp2": 48.0}
    assert snap.thermal_zones == {"cpu-thermal0": 50.5}
    assert (snap.load1, snap.boot_time, snap.node_time) == (0.5, 1000.0, 4600.0)
    assert snap.rpi_throttled == {("under_voltage", "now"): 0.0, ("under_voltage", "since_boot"): 1.0}


@pytest.mark.parametrize("text", ["<html><body>login</body></html>", "go_goroutines 3\n"])
def test_a_page_without_node_metrics_is_refused(text):
    with pytest.raises(ValueError, match="no node_cpu"):
        parse_snapshot(text, ts=0.0)


@pytest.mark.parametrize("make", [debian_exporter, our_exporter], ids=["node_exporter", "ours"])
def test_real_exporter_pages_parse(tmp_path, make):
    exporter = make(tmp_path)
    with exporter.run():
        text = httpx.get(f"http://{exporter.address}/metrics", timeout=10).text
    snap = parse_snapshot(text, ts=0.0)
    assert snap.cpu and all("idle" in modes for modes in snap.cpu.values())
    assert snap.memory["MemTotal"] > 0
    assert "/" in snap.filesystems
    assert snap.load1 is not None and snap.boot_time is not None
