"""A Raspberry Pi's power and throttling badges in a real browser, fed by a real exporter on a Pi 4 tree."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.exporter.trees import FIXTURES
from tests.support.processes import free_port, running
from tests.support.ui import BIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GET_THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled"


def test_under_voltage_and_throttling_badges_follow_the_firmware_flags(ui, tmp_path):
    tree = tmp_path / "rpi4"
    shutil.copytree(FIXTURES / "rpi4", tree, symlinks=True)
    flags = tree / GET_THROTTLED
    flags.write_text("50005\n")  # under-voltage and throttled now (and so since boot)
    port = free_port()
    argv = [
        str(BIN / "dispycluster-exporter"),
        f"--web.listen-address=127.0.0.1:{port}",
        f"--path.procfs={tree / 'proc'}",
        f"--path.sysfs={tree / 'sys'}",
        f"--path.rootfs={tree / 'rootfs'}",
    ]
    card = '.card[data-node="pi"]'
    with running(argv, log_path=tmp_path / "exporter.log", ready_url=f"http://127.0.0.1:{port}/metrics"):
        ui.stack.add_node("pi", port)
        try:
            ui.open("/nodes")
            ui.page.wait_for_selector(f'{card}[data-status="online"]', timeout=30_000)
            expect(ui.page.locator(f'{card} [data-power="under_voltage"]')).to_have_text("under-voltage")
            expect(ui.page.locator(f'{card} [data-power="throttled"]')).to_have_text("throttled")
            badge = ui.page.locator(f'{card} [data-power="under_voltage"]')
            assert badge.get_attribute("data-status") == "critical"
            ui.screenshot("nodes-pi-under-voltage")

            # The supply recovers: only the since-boot flag is left, and the page follows live.
            flags.write_text("50000\n")
            since_boot = ui.page.locator(f'{card} [data-power="under_voltage_since_boot"]')
            expect(since_boot).to_have_text("under-voltage since boot", timeout=30_000)
            expect(ui.page.locator(f'{card} [data-power="under_voltage"]')).to_have_count(0)
            expect(ui.page.locator(f'{card} [data-power="throttled"]')).to_have_count(0)

            ui.open("/nodes/pi")
            expect(ui.page.locator('#node-power [data-power="under_voltage_since_boot"]')).to_be_visible()
            # The local node is no Raspberry Pi: no badge at all, rather than a reassuring one.
            ui.open("/nodes/local")
            ui.page.wait_for_selector("#node-details dd")
            expect(ui.page.locator("#node-power .badge")).to_have_count(0)
        finally:
            ui.stack.api.delete("/api/cluster/nodes/pi")
    assert ui.problems.all() == []
