"""Job labels in a real browser: shown in the list and on the job page, a label filters the list."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.support.ui import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _batch(ui, run: str) -> list[dict]:
    jobs = [
        {"name": f"labelled {kind}", "type": "processing", "parameters": {"command": ["true"]},
         "labels": {"run": run, "kind": f"{kind}-{run}"}}
        for kind in ("a", "b")
    ]  # fmt: skip
    response = ui.stack.api.post("/api/jobs/batch", json={"jobs": jobs})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_labels_are_shown_and_filter_the_list(ui):
    run = uuid.uuid4().hex[:8]
    first, second = _batch(ui, run)
    ui.stack.create_job("not labelled", ["true"])
    ui.open(f"/jobs?label=run%3D{run}")
    rows = ui.page.locator("#jobs tr[data-job-id]")
    expect(rows).to_have_count(2)
    chips = rows.first.locator(".label-chip")
    expect(chips).to_have_text([f"run={run}", f"kind=b-{run}"])
    ui.screenshot("jobs-labels")

    rows.first.get_by_role("button", name=f"kind=b-{run}").click()
    expect(ui.page.locator("#filter-label")).to_have_value(f"kind=b-{run}")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", str(second["id"]))
    assert "label=kind%3Db-" in ui.page.url

    ui.open(f"/jobs/{first['id']}")
    expect(ui.page.locator("#job-labels")).to_have_text(f"run={run}, kind=a-{run}")
    expect(ui.page.locator("#job-placement")).to_have_text("Any node")
    assert ui.problems.all() == []


def test_labels_speak_french(ui_at):
    run = uuid.uuid4().hex[:8]
    with ui_at(DESKTOP, "fr-FR") as ui:
        first, _second = _batch(ui, run)
        ui.open("/jobs")
        expect(ui.page.locator("#jobs-table thead")).to_contain_text("Étiquettes")
        expect(ui.page.locator("#filter-label")).to_have_attribute("placeholder", "clé=valeur")
        ui.open(f"/jobs/{first['id']}")
        expect(ui.page.locator("#job-details")).to_contain_text("Étiquettes")
        expect(ui.page.locator("#job-placement")).to_have_text("N'importe quel nœud")
        assert ui.problems.all() == []
