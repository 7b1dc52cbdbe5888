from exporter.collectors.thermal_zone import ThermalZoneCollector
from tests.exporter.trees import fixture_config, key, samples


def test_rpi4_cpu_thermal_zone0():
    assert samples(ThermalZoneCollector(fixture_config("rpi4")).collect()) == {
        key("node_thermal_zone_temp", zone="0", type="cpu-thermal"): 48.686
    }


def test_x86_skips_disabled_zones_and_reads_cooling_devices():
    assert samples(ThermalZoneCollector(fixture_config("x86-server")).collect()) == {
        key("node_thermal_zone_temp", zone="0", type="acpitz"): 27.8,
        key("node_thermal_zone_temp", zone="1", type="x86_pkg_temp"): 45.0,
        key("node_cooling_device_cur_state", name="0", type="Processor"): 0.0,
        key("node_cooling_device_max_state", name="0", type="Processor"): 3.0,
    }
