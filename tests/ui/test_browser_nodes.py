"""The Nodes pages in a real browser: live status from real exporters, and inventory changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_node_turns_offline_when_its_exporter_stops(ui, start_exporter):
    with start_exporter("edge") as port:
        ui.stack.add_node("edge", port)
        ui.open("/nodes")
        ui.page.wait_for_selector('.card[data-node="edge"][data-status="online"]', timeout=30_000)
    ui.page.wait_for_selector('.card[data-node="edge"][data-status="offline"]', timeout=30_000)
    assert ui.page.locator('.card[data-node="edge"] .reason').inner_text() != ""
    ui.screenshot("nodes-edge-offline")
    ui.stack.api.delete("/api/cluster/nodes/edge")
    assert ui.problems.all() == []


def test_node_added_edited_and_removed_through_the_forms(ui):
    ui.open("/nodes")
    ui.page.click("#add-node-toggle")
    ui.page.fill("#node-name", "spare")
    ui.page.fill("#node-address", "127.0.0.1")
    ui.page.fill("#node-exporter", "127.0.0.1:9")
    ui.page.fill("#node-labels", "rack=b")
    ui.page.click("#node-submit")
    ui.page.wait_for_selector('.card[data-node="spare"]')
    ui.page.click('.card[data-node="spare"] a.card-title')
    ui.page.wait_for_selector("#node-details dd")
    ui.page.click("#edit-node-toggle")
    ui.page.fill("#node-labels", "rack=c, model=pi4")
    ui.page.click("#node-submit")
    expect(ui.page.locator("#node-details")).to_contain_text("model=pi4")
    assert ui.stack.api.get("/api/cluster/nodes/spare").json()["labels"] == {"rack": "c", "model": "pi4"}
    ui.page.click("#node-delete")
    ui.page.wait_for_url(f"{ui.stack.base_url}/nodes")
    ui.page.wait_for_selector('.card[data-node="local"]')
    assert ui.page.locator('.card[data-node="spare"]').count() == 0
    assert ui.stack.api.get("/api/cluster/nodes/spare").status_code == 404
    assert ui.problems.all() == []
