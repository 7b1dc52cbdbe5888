import re

import pytest

from exporter.collectors import DEFAULT_ENABLED
from exporter.collectors.interrupts import Interrupt, InterruptsCollector, parse_interrupts
from exporter.config import Config, Paths
from tests.exporter.trees import fixture_config, key, samples, types


def irq(cpu: str, name: str, info: str, devices: str = ""):
    return key("node_interrupts_total", cpu=cpu, type=name, info=info, devices=devices)


def test_off_by_default_as_upstream():
    assert "interrupts" not in DEFAULT_ENABLED


def test_rpi4_gic_lines_ipis_and_the_pcie_msi_chip_split_as_node_exporter_splits_them():
    families = InterruptsCollector(fixture_config("rpi4")).collect()
    assert types(families) == {"node_interrupts": "counter"}
    assert [f.documentation for f in families] == ["Interrupt details."]
    got = samples(families)
    # 10 numbered lines and 7 IPIs on 4 CPUs; `Err` has one total and is skipped.
    assert len(got) == 17 * 4
    assert got[irq("2", "11", "GICv2", "30 Level arch_timer")] == 1034567.0
    assert got[irq("0", "26", "GICv2", "158 Level mmc1, mmc0")] == 5678.0
    assert got[irq("0", "36", "BRCM", "STB PCIe MSI 524288 Edge xhci_hcd")] == 45678.0
    assert got[irq("3", "IPI0", "Rescheduling interrupts")] == 31230.0
    assert got[irq("1", "IPI3", "CPU stop (for crash dump) interrupts")] == 0.0
    assert not [labels for name, labels in got if dict(labels)["type"] == "Err"]


def test_rpi5_rp1_interrupts():
    got = samples(InterruptsCollector(fixture_config("rpi5")).collect())
    assert len(got) == 16 * 4
    assert got[irq("0", "107", "rp1_irq_chip", "6 Level eth0")] == 567890.0
    assert got[irq("0", "112", "rp1_irq_chip", "31 Edge xhci-hcd:usb1")] == 23456.0


def test_x86_cpu_labels_are_column_indexes_as_upstream():
    got = samples(InterruptsCollector(fixture_config("x86-server")).collect())
    assert {dict(labels)["cpu"] for _, labels in got} == {"0", "1", "2"}
    assert got[irq("1", "125", "IR-PCI-MSI", "1572864-edge eno1-rx-0")] == 9123456.0
    assert got[irq("2", "LOC", "Local timer interrupts")] == 96543210.0


def test_name_filters_match_name_info_and_devices_and_zeros_can_be_left_out():
    include = fixture_config("rpi4", interrupts_name_include=re.compile(r"^IPI0;"))
    assert len(samples(InterruptsCollector(include).collect())) == 4
    exclude = fixture_config("rpi4", interrupts_name_exclude=re.compile("eth0|^IPI"))
    assert len(samples(InterruptsCollector(exclude).collect())) == 8 * 4
    no_zeros = samples(InterruptsCollector(fixture_config("rpi4", interrupts_include_zeros=False)).collect())
    assert 0.0 not in no_zeros.values()
    assert len(no_zeros) == 23


def test_aarch64_names_that_run_into_the_first_count():
    assert parse_interrupts("  CPU0 CPU1\nIPI0:12 34 Rescheduling interrupts\n") == {
        "IPI0": Interrupt("Rescheduling interrupts", "", [12.0, 34.0])
    }


@pytest.mark.parametrize("text", ["", "\n", "  CPU0\n  1: many GICv2 30 Level arch_timer\n"])
def test_garbage_fails_the_collector_naming_the_file(tmp_path, text):
    (tmp_path / "interrupts").write_text(text)
    with pytest.raises(ValueError, match="interrupts"):
        InterruptsCollector(Config(paths=Paths(procfs=tmp_path))).collect()
