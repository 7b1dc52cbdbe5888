import pytest

from webapi.monitoring.collection.derive import derive, memory_percent
from webapi.monitoring.collection.parse import Filesystem, Snapshot


def snapshot(ts: float, idle: float, user: float, rx: float, tx: float, **extra) -> Snapshot:
    return Snapshot(
        ts=ts,
        cpu={
            "0": {"idle": idle, "user": user, "iowait": 0.0},
            "1": {"idle": idle, "user": user, "iowait": 0.0},
        },
        memory={"MemTotal": 1000.0, "MemAvailable": 250.0},
        filesystems={
            "/": Filesystem("/dev/root", "ext4", 400.0, 100.0),
            "/boot": Filesystem("/dev/sda1", "vfat", 100.0, 90.0),
        },
        network={"eth0": (rx, tx), "wlan0": (rx / 2, tx / 2), "lo": (9e9, 9e9)},
        load1=0.7,
        boot_time=1000.0,
        node_time=ts,
        **extra,
    )


def test_cpu_is_the_busy_share_of_the_counter_deltas():
    metrics = derive(snapshot(0, idle=100, user=50, rx=0, tx=0), snapshot(10, idle=106, user=54, rx=0, tx=0))
    assert metrics.cpu_percent == pytest.approx(40.0)
    assert metrics.per_cpu_percent == {"0": pytest.approx(40.0), "1": pytest.approx(40.0)}


def test_the_first_scrape_has_no_rates():
    metrics = derive(None, snapshot(0, idle=100, user=50, rx=10, tx=10))
    assert metrics.cpu_percent is None and metrics.network_rx_bps is None
    assert metrics.memory_percent == pytest.approx(75.0)


def test_a_counter_reset_gives_no_figure_instead_of_a_spike():
    metrics = derive(snapshot(0, idle=100, user=50, rx=900, tx=0), snapshot(10, idle=1, user=1, rx=10, tx=0))
    assert metrics.cpu_percent is None
    assert metrics.interfaces[0].rx_bytes_per_second is None and metrics.network_rx_bps is None


def test_disk_per_mountpoint_and_for_root():
    metrics = derive(None, snapshot(0, idle=1, user=1, rx=0, tx=0))
    assert metrics.disk_percent == pytest.approx(75.0)
    assert {fs.mountpoint: fs.used_percent for fs in metrics.filesystems} == {
        "/": pytest.approx(75.0),
        "/boot": pytest.approx(10.0),
    }


def test_network_rates_per_device_and_in_total_without_loopback():
    metrics = derive(snapshot(0, 1, 1, rx=1000, tx=500), snapshot(10, 2, 2, rx=3000, tx=1500))
    rates = {i.device: (i.rx_bytes_per_second, i.tx_bytes_per_second) for i in metrics.interfaces}
    assert rates == {"eth0": (200.0, 100.0), "wlan0": (100.0, 50.0)}
    assert (metrics.network_rx_bps, metrics.network_tx_bps) == (300.0, 150.0)


def test_temperature_prefers_hwmon_and_falls_back_to_thermal_zones():
    with_hwmon = snapshot(
        0, 1, 1, 0, 0, hwmon={"cpu temp1": 61.0, "nvme temp1": 44.0}, thermal_zones={"z0": 99.0}
    )
    assert derive(None, with_hwmon).temperature_celsius == 61.0
    zones_only = snapshot(0, 1, 1, 0, 0, thermal_zones={"cpu-thermal0": 55.5})
    metrics = derive(None, zones_only)
    assert (metrics.temperature_celsius, metrics.sensors) == (55.5, {"cpu-thermal0": 55.5})
    assert derive(None, snapshot(0, 1, 1, 0, 0)).temperature_celsius is None


def test_load_and_uptime():
    metrics = derive(None, snapshot(4600, 1, 1, 0, 0))
    assert (metrics.load1, metrics.uptime_seconds) == (0.7, 3600.0)


def test_memory_without_memavailable_uses_free_buffers_and_cache():
    snap = Snapshot(ts=0, memory={"MemTotal": 1000.0, "MemFree": 100.0, "Buffers": 50.0, "Cached": 150.0})
    assert memory_percent(snap) == pytest.approx(70.0)
    assert memory_percent(Snapshot(ts=0, memory={"MemTotal": 1000.0})) is None


def test_raspberry_pi_flags():
    flags = {
        ("under_voltage", "now"): 0.0,
        ("under_voltage", "since_boot"): 1.0,
        ("throttled", "now"): 0.0,
        ("arm_frequency_capped", "now"): 1.0,
        ("soft_temp_limit", "now"): 0.0,
    }
    metrics = derive(None, snapshot(0, idle=1, user=1, rx=0, tx=0, rpi_throttled=flags))
    assert (metrics.under_voltage, metrics.under_voltage_since_boot, metrics.throttled) == (False, True, True)


def test_raspberry_pi_flags_are_unknown_where_the_exporter_does_not_report_them():
    # A kernel without get_throttled: the rpi_volt alarm tells under-voltage now, nothing else.
    only_now = snapshot(0, idle=1, user=1, rx=0, tx=0, rpi_throttled={("under_voltage", "now"): 1.0})
    metrics = derive(None, only_now)
    assert (metrics.under_voltage, metrics.under_voltage_since_boot, metrics.throttled) == (True, None, None)
    other = derive(None, snapshot(0, idle=1, user=1, rx=0, tx=0))
    assert (other.under_voltage, other.under_voltage_since_boot, other.throttled) == (None, None, None)
