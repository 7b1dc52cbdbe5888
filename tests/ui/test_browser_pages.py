"""Every page in a real browser: loads without console error or failed request, looks right, speaks French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "dashboard": ("/", "#fig-nodes"),
    "jobs": ("/jobs", "#jobs tr"),
    "nodes": ("/nodes", '.card[data-node="local"]'),
    "node": ("/nodes/local", "#node-details dd"),
    "monitoring": ("/monitoring", "#charts .chart .main-svg"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_cleanly(ui, name):
    path, filled = PAGES[name]
    ui.open(path)
    ui.page.wait_for_selector(filled)
    ui.page.wait_for_selector('#live[data-state="connected"]')
    ui.screenshot(name)
    assert ui.problems.all() == []


def test_dashboard_shows_the_online_node(ui):
    ui.open("/")
    expect(ui.page.locator("#fig-nodes")).to_have_text(re.compile(r"^[1-9]\d* / [1-9]\d*$"))
    assert ui.page.locator("#services tr").count() >= 2
    assert ui.problems.all() == []


def test_job_page_loads_cleanly(ui):
    created = ui.stack.api.post(
        "/api/jobs", json={"name": "page check", "type": "processing", "parameters": {"command": ["true"]}}
    )
    assert created.status_code == 201, created.text
    ui.open(f"/jobs/{created.json()['id']}")
    ui.page.wait_for_selector('#job-status[data-status="succeeded"]', timeout=60_000)
    # `true` prints nothing: the log pane says so instead of staying a blank box.
    placeholder = ui.page.eval_on_selector("#job-logs", "pane => getComputedStyle(pane, '::before').content")
    assert placeholder == '"No output yet."'
    ui.screenshot("job")
    assert ui.problems.all() == []


def test_french_switch_translates_the_navigation(ui):
    ui.open("/jobs")
    assert ui.page.inner_text("#nav-dashboard") == "Dashboard"
    ui.page.click("#lang-fr")
    ui.page.wait_for_load_state("networkidle")
    assert ui.page.url.endswith("/jobs")
    assert ui.page.inner_text("#nav-dashboard") == "Tableau de bord"
    assert ui.page.inner_text("#nav-monitoring") == "Supervision"
    assert ui.page.get_attribute("html", "lang") == "fr"
    ui.page.wait_for_selector('#live[data-state="connected"]')
    assert ui.page.inner_text("#live") == "En direct"
    ui.screenshot("jobs-fr")
    ui.page.click("#lang-en")
    ui.page.wait_for_load_state("networkidle")
    assert ui.page.inner_text("#nav-dashboard") == "Dashboard"
    assert ui.problems.all() == []


def test_node_page_fetches_its_node_once_started_before_its_modules(ui):
    # The page names its first request for preloading; the module's fetch() then reuses that response.
    requests = []
    ui.page.on(
        "request",
        lambda request: request.url.endswith("/api/cluster/nodes/local") and requests.append(request),
    )
    ui.open("/nodes/local")
    ui.page.wait_for_selector("#node-details dd")
    assert len(requests) == 1
    assert ui.problems.all() == []
