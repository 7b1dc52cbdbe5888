"""Every page at a desktop's 1366 by 800 and a phone's 390 by 844: no horizontal overflow, no serious or
critical axe-core violation, a skip link, charts one tab stop each; screenshots in test-artifacts/ui/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.ui import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# Path (a job's id filled in) and what shows the page has its data.
PAGES = {
    "dashboard": ("/", "#node-tiles .tile"),
    "jobs": ("/jobs", "#jobs tr[data-job-id]"),
    "job": ("/jobs/{job}", '#job-status[data-status="succeeded"]'),
    "nodes": ("/nodes", '[data-node="local"]'),
    "node": ("/nodes/local", "#node-charts .chart[data-chart='cpu'] .main-svg"),
    "monitoring": ("/monitoring", "#charts .chart[data-chart='cpu'] .main-svg"),
    "audit": ("/audit", "#audit-rows tr[data-audit-id]"),
}


@pytest.fixture(scope="module")
def job_id(stack) -> int:
    return stack.create_job("layout check", ["echo", "layout"])["id"]


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not cover.
    page.evaluate(AXE)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"
    )
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_and_passes_axe(ui_at, job_id, name, viewport):
    path, filled = PAGES[name]
    with ui_at(VIEWPORTS[viewport]) as ui:
        ui.open(path.format(job=job_id))
        ui.page.wait_for_selector(filled, timeout=30_000)
        ui.page.wait_for_selector('#live[data-state="connected"]')
        ui.screenshot(f"{name}-{viewport}")
        overflow = ui.page.evaluate(OVERFLOW)
        assert overflow <= 0, f"{name} is {overflow} px wider than the {viewport} screen"
        assert serious_violations(ui.page) == []
        assert ui.problems.all() == []


def test_job_form_with_errors_passes_axe_on_a_phone(ui_at):
    with ui_at(PHONE) as ui:
        ui.open("/jobs")
        ui.page.click("#new-job-toggle")
        ui.page.click("#job-submit")
        ui.page.wait_for_selector('[data-error-for="name"]:not(:empty)')
        ui.screenshot("jobs-form-phone")
        overflow = ui.page.evaluate(OVERFLOW)
        assert overflow <= 0
        assert serious_violations(ui.page) == []


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(ui):
    ui.open("/jobs")
    ui.page.keyboard.press("Tab")
    assert ui.page.evaluate("document.activeElement.className") == "skip-link"
    assert ui.page.locator(".skip-link").is_visible()
    ui.page.keyboard.press("Enter")
    assert ui.page.evaluate("document.activeElement.id") == "main"


def test_each_chart_is_one_tab_stop(ui):
    ui.open("/monitoring")
    ui.page.wait_for_selector("#charts .chart[data-chart='network'] .main-svg", timeout=30_000)
    charts = ui.page.locator("#charts .chart").count()
    stops = ui.page.evaluate(
        """() => [...document.querySelectorAll('#charts, #charts *')].filter(e => e.tabIndex >= 0
             && !e.disabled && e.getClientRects().length).length"""
    )
    assert charts == 5 and stops == charts
