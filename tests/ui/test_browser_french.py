"""Every page in French: no visible text, option, label or chart text is the English one (catalog
values, task types and parameters from /api/jobs/types, the service's own phrases)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.ui import DESKTOP
from tests.ui.test_i18n import SAME_IN_BOTH
from webapi.ui.i18n import catalog

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every text the page shows: text nodes laid out on screen, options, and the labels a screen reader says.
SHOWN_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (text && parent && !parent.closest("script, style") && parent.getClientRects().length) out.push(text);
  }
  for (const node of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    for (const name of ["aria-label", "placeholder", "title"]) {
      if (node.getAttribute(name)) out.push(node.getAttribute(name));
    }
  }
  for (const option of document.querySelectorAll("option")) out.push(option.textContent.trim());
  return out;
}"""
ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def english_texts(stack) -> set[str]:
    english = {text for key, text in catalog("en").items() if key not in SAME_IN_BOTH}
    for task in stack.api.get("/api/jobs/types").json():
        english.add(task["description"])
        for name, schema in task["parameters"]["properties"].items():
            english.update({schema.get("title", name), schema.get("description", "")})
    english.add("Failed to fetch")
    return english - {""}


@pytest.fixture(scope="module")
def failed_job(stack) -> dict:
    return stack.create_job("french failure", ["false"])


PAGES = {
    "dashboard": ("/", "#node-tiles .tile"),
    "jobs": ("/jobs", "#jobs tr[data-job-id]"),
    "job": ("/jobs/{job}", '#job-status[data-status="failed"]'),
    "nodes": ("/nodes?view=table", ".nodes-table"),
    "nodes-cards": ("/nodes?view=cards", ".card"),
    "node": ("/nodes/local", "#node-charts .chart[data-chart='cpu'] .main-svg"),
    "monitoring": ("/monitoring", "#charts .chart[data-chart='network'] .main-svg"),
    "audit": ("/audit", "#audit-rows tr[data-audit-id]"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_english_left_in_french(ui_at, stack, failed_job, name):
    path, filled = PAGES[name]
    english = english_texts(stack)
    with ui_at(DESKTOP, "fr-FR") as ui:
        ui.open(path.format(job=failed_job["id"]))
        ui.page.wait_for_selector(filled, timeout=60_000)
        expect(ui.page.locator("#live")).to_have_text("En direct")
        if name == "jobs":
            ui.page.click("#new-job-toggle")
            ui.page.click("#job-submit")
            expect(ui.page.locator('[data-error-for="name"]')).to_have_text("obligatoire")
        if name == "dashboard":
            # The service's own phrases (English in the API) worded in French.
            services = ui.page.locator("#services")
            expect(services.locator("tr", has_text="collecteur")).to_contain_text("dernier tour il y a")
            expect(services.locator("tr", has_text="tâches")).to_contain_text(
                "nœud(s) dispy joignable(s) sur"
            )
        if name == "job":
            error = stack.api.get(f"/api/jobs/{failed_job['id']}").json()["error"]
            expect(ui.page.locator("#job-error")).not_to_have_text(error)
            expect(ui.page.locator("#job-error")).to_contain_text("code 1")
        ui.page.wait_for_load_state("networkidle")
        shown = ui.page.evaluate(SHOWN_TEXT)
        ui.screenshot(f"{name}-fr")
        assert sorted({text for text in shown if text in english}) == []
        assert [text for text in shown if ENGLISH_MONTH.search(text)] == []
        assert ui.problems.all() == []
