import re

import pytest

from exporter.collectors.powersupplyclass import PowerSupplyClassCollector, parse_supply
from tests.exporter.trees import fixture_config, key, samples


def test_x86_acpi_mains_adapter():
    families = PowerSupplyClassCollector(fixture_config("x86-server")).collect()
    assert samples(families) == {
        key("node_power_supply_online", power_supply="AC"): 1.0,
        key("node_power_supply_info", power_supply="AC", type="Mains"): 1.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_power_supply_online"] == "online value of /sys/class/power_supply/<power_supply>."
    assert help_texts["node_power_supply_info"] == "info of /sys/class/power_supply/<power_supply>."


def test_an_ignored_supply_is_left_out():
    config = fixture_config("x86-server", powersupply_ignored=re.compile("^AC$"))
    assert samples(PowerSupplyClassCollector(config).collect()) == {}


def test_a_battery_in_base_units():
    numbers, info = parse_supply(
        {
            "capacity": "87",
            "cycle_count": "112",
            "voltage_now": "12345000",
            "current_now": "1500000",
            "energy_full_design": "57000000",
            "energy_now": "49590000",
            "power_now": "18519000",
            "temp": "312",
            "time_to_empty_now": "9600",
            "status": "Discharging",
            "technology": "Li-ion",
            "manufacturer": "",
            "uevent": "ignored",
        }
    )
    assert numbers == {
        "capacity": 87.0,
        "cyclecount": 112.0,
        "voltage_volt": 12.345,
        "current_ampere": 1.5,
        "energy_full_design": 57.0,
        "energy_watthour": 49.59,
        "power_watt": 18.519,
        "temp_celsius": 31.2,
        "time_to_empty_seconds": 9600.0,
    }
    assert info == {"status": "Discharging", "technology": "Li-ion"}


def test_a_number_that_is_not_one_fails():
    with pytest.raises(ValueError, match="full"):
        parse_supply({"capacity": "full"})
