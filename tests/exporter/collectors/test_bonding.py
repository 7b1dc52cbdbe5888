import pytest

from exporter.collectors.bonding import BondingCollector
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples


def test_x86_bond0_with_one_of_two_slaves_up():
    assert samples(BondingCollector(fixture_config("x86-server")).collect()) == {
        key("node_bonding_slaves", master="bond0"): 2.0,
        key("node_bonding_active", master="bond0"): 1.0,
    }


def test_without_the_bonding_driver_there_is_no_data():
    with pytest.raises(FileNotFoundError):
        BondingCollector(fixture_config("rpi4")).collect()


def test_older_kernels_name_the_slave_directory_slave_dev(tmp_path):
    net = tmp_path / "class/net"
    (net / "bond1/bonding").mkdir(parents=True)
    (net / "bonding_masters").write_text("bond1\n")
    (net / "bond1/bonding/slaves").write_text("eth0\n")
    (net / "bond1/slave_eth0/bonding_slave").mkdir(parents=True)
    (net / "bond1/slave_eth0/bonding_slave/mii_status").write_text("up\n")
    assert samples(BondingCollector(Config(paths=Paths(sysfs=tmp_path))).collect()) == {
        key("node_bonding_slaves", master="bond1"): 1.0,
        key("node_bonding_active", master="bond1"): 1.0,
    }
