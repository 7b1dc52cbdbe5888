"""Drain and Resume in a real browser: the node card's button and the node page's, against the service
with a real dispynode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.ui import PROMPT_ANSWER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_node_is_drained_from_its_card_and_resumed_from_its_page(ui):
    ui.open("/nodes")
    card = ui.page.locator('.card[data-node="local"]')
    card.locator('button.drain[data-action="drain"]').click()
    expect(card.locator('[data-schedule="drained"]')).to_be_visible()
    expect(card.locator(".reason.schedule")).to_have_text(f"local is drained ({PROMPT_ANSWER})")
    node = ui.stack.api.get("/api/cluster/nodes/local").json()
    assert (node["schedulable"], node["drained"]) == (False, True)
    ui.screenshot("nodes-drained")

    ui.page.click('.card[data-node="local"] a.card-title')
    expect(ui.page.locator("#node-schedulable")).to_have_text(f"local is drained ({PROMPT_ANSWER})")
    ui.page.click('#node-drain-slot button[data-action="resume"]')
    expect(ui.page.locator("#node-drain-slot button")).to_have_attribute("data-action", "drain")
    expect(ui.page.locator("#node-schedule [data-schedule]")).to_have_count(0)
    assert ui.stack.api.get("/api/cluster/nodes/local").json()["schedulable"] is True
    assert ui.problems.all() == []
