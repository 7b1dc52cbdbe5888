"""The Nodes page and the dashboard with 100 nodes (a service of its own): the table view, problems
first, grouping by label, no overflow on a phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.processes import free_port, wait_until
from tests.support.ui import ARTIFACTS, DESKTOP, PHONE, exporter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NODES = 100
RACKS = 5


@pytest.fixture(scope="module")
def big_cluster(launch_service, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scale")
    # Nothing listens on this port: all nodes but every tenth are offline, as dead racks would be.
    closed = free_port()
    env = {
        "DISPYCLUSTER_DISPY_PORT": str(free_port()),
        "DISPYCLUSTER_COLLECT_INTERVAL": "2",
        "DISPYCLUSTER_COLLECT_TIMEOUT": "1",
    }
    with (
        exporter(tmp, "real") as real_port,
        launch_service(tmp, env) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as api,
    ):
        for index in range(NODES):
            port = real_port if index % 10 == 0 else closed
            body = {
                "name": f"pi{index:03d}",
                "address": "127.0.0.1",
                "exporter": f"127.0.0.1:{port}",
                "dispy_port": 1,
                "labels": {"rack": f"r{(index // 10) % RACKS}"},
            }
            assert api.post("/api/cluster/nodes", json=body).status_code == 201
        wait_until(lambda: api.get("/api/cluster/overview").json()["nodes"]["unknown"] == 0, timeout=60)
        yield base_url


def _open(browser, base_url, viewport, path):
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.goto(f"{base_url}{path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_hundred_nodes_read_as_a_table_offline_first(browser, big_cluster, viewport):
    size = DESKTOP if viewport == "desktop" else PHONE
    context, page = _open(browser, big_cluster, size, "/nodes")
    rows = page.locator(".nodes-table tbody tr")
    expect(rows).to_have_count(NODES)
    expect(rows.first).to_have_attribute("data-status", "offline")
    expect(rows.last).to_have_attribute("data-status", "online")
    expect(page.locator("#nodes-summary")).to_have_text("10 of 100 online, 90 offline · 100 shown")
    page.screenshot(path=str(ARTIFACTS / f"nodes-100-{viewport}.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    context.close()


def test_a_hundred_nodes_grouped_by_rack_and_filtered(browser, big_cluster):
    context, page = _open(browser, big_cluster, DESKTOP, "/nodes?group=rack&status=online")
    groups = page.locator(".node-group")
    expect(groups).to_have_count(RACKS)
    expect(groups.first.locator("h2")).to_have_text("rack=r0 (2)")
    page.select_option("#node-filter-label", "rack=r3")
    expect(groups).to_have_count(1)
    expect(page.locator(".nodes-table tbody tr")).to_have_count(2)
    page.select_option("#node-sort", "name")
    page.fill("#node-filter-q", "pi080")
    expect(page.locator(".nodes-table tbody tr")).to_have_count(1)
    assert "label=rack%3Dr3" in page.url and "q=pi080" in page.url
    context.close()


def test_dashboard_says_which_nodes_are_offline(browser, big_cluster):
    context, page = _open(browser, big_cluster, DESKTOP, "/")
    expect(page.locator("#cluster-status")).to_have_attribute("data-status", "critical")
    expect(page.locator("#issues")).to_contain_text("90 of 100 nodes offline: pi001, pi002")
    tiles = page.locator("#node-tiles .tile")
    expect(tiles).to_have_count(NODES)
    expect(tiles.first).to_have_attribute("data-status", "offline")
    expect(tiles.first).to_have_attribute("href", "/nodes/pi001")
    page.screenshot(path=str(ARTIFACTS / "dashboard-100-desktop.png"), full_page=True)
    context.close()
