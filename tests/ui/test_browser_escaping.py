"""Hostile text from every way in (job names and output, node inventory fields, Alertmanager alerts)
renders as literal text on every page that shows it: no markup, no script, no dialog, no template."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(1)</script>'
LINK = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
PAYLOADS = [IMG, SCRIPT, LINK, TEMPLATE]

# Node names are restricted to [A-Za-z0-9][A-Za-z0-9._-]*: the most hostile name the API takes.
NODE = "x.._-"
# Addresses refuse blanks, slashes and colons, but not quotes, angle brackets or braces.
ADDRESS = '"><b>{{7*7}}'
LABELS = {"img": IMG, "script": SCRIPT, "link": LINK, "template": TEMPLATE}
# The alerts table keeps severities in 16 characters (longer ones are a 500 on PostgreSQL, reported).
SEVERITY = '"><i>{{7*7}}</i>'


@pytest.fixture(scope="module")
def hostile(stack) -> Iterator[dict[str, int]]:
    """The hostile jobs, node and alerts, created through the API for this module and removed after it
    (the stack is shared with the other browser tests)."""
    jobs = {}
    for payload in PAYLOADS:
        body = {"name": payload, "type": "processing", "parameters": {"command": ["echo", payload]}}
        created = stack.api.post("/api/jobs", json=body)
        assert created.status_code == 201, created.text
        jobs[payload] = created.json()["id"]
    exporter = stack.api.get("/api/cluster/nodes/local").json()["exporter"]
    node = {"name": NODE, "address": ADDRESS, "exporter": exporter, "labels": LABELS}
    added = stack.api.post("/api/cluster/nodes", json=node)
    assert added.status_code == 201, added.text
    starts = datetime.now(UTC).isoformat()
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": payload, "severity": SEVERITY, "node": payload},
            "annotations": {"summary": payload, "description": payload},
            "startsAt": starts,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": LINK,
            "fingerprint": f"hostile{index}",
        }
        for index, payload in enumerate(PAYLOADS)
    ]
    delivered = _deliver(stack, "firing", alerts)
    assert delivered["created"] == len(PAYLOADS)
    for job_id in jobs.values():
        _wait_finished(stack, job_id)
    yield jobs
    ends = datetime.now(UTC).isoformat()
    _deliver(stack, "resolved", [{**alert, "status": "resolved", "endsAt": ends} for alert in alerts])
    assert stack.api.delete(f"/api/cluster/nodes/{NODE}").status_code == 204


def _deliver(stack, status: str, alerts: list[dict[str, object]]) -> dict[str, int]:
    """Posts an Alertmanager webhook (payload version 4) as Alertmanager would."""
    webhook = {"version": "4", "status": status, "receiver": "ui", "alerts": alerts}
    delivered = stack.api.post("/api/monitoring/alertmanager", json=webhook)
    assert delivered.status_code == 200, delivered.text
    return delivered.json()


def _wait_finished(stack, job_id: int) -> None:
    deadline = time.monotonic() + 60
    while stack.api.get(f"/api/jobs/{job_id}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, f"job {job_id} did not succeed"
        time.sleep(0.2)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_node_names_refuse_markup_with_a_clear_422(stack, payload):
    response = stack.api.post("/api/cluster/nodes", json={"name": payload, "address": "127.0.0.1"})
    assert response.status_code == 422, response.text
    assert "name" in response.text


def _shows_literally(ui, selector: str, texts: list[str]) -> None:
    area = ui.page.locator(selector)
    for text in texts:
        expect(area).to_contain_text(text)


def _nothing_injected(ui) -> None:
    """No element, attribute or link the payloads could have made, and no problem in the page."""
    page = ui.page
    assert page.locator("main img, main script, main b, main i").count() == 0
    assert page.locator('[href^="javascript:" i], [src="x"], [onerror]').count() == 0
    assert ui.problems.all() == []


def test_dashboard_shows_hostile_jobs_and_alerts_as_text(ui, hostile):
    ui.open("/")
    _shows_literally(ui, "#activity", PAYLOADS)
    _shows_literally(ui, "#alerts", PAYLOADS)
    _nothing_injected(ui)


def test_jobs_page_shows_hostile_names_as_text(ui, hostile):
    ui.open("/jobs")
    _shows_literally(ui, "#jobs", PAYLOADS)
    for payload, job_id in hostile.items():
        link = ui.page.locator(f'#jobs tr[data-job-id="{job_id}"] a.job-name')
        expect(link).to_have_text(payload)
        expect(link).to_have_attribute("href", f"/jobs/{job_id}")
    _nothing_injected(ui)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_job_view_shows_hostile_name_parameters_and_output_as_text(ui, hostile, payload):
    ui.open(f"/jobs/{hostile[payload]}")
    expect(ui.page.locator("#job-name")).to_have_text(payload)
    expect(ui.page.locator("#job-parameters")).to_contain_text(payload.replace('"', '\\"'))
    expect(ui.page.locator("#job-logs")).to_contain_text(payload, timeout=30_000)
    assert ui.page.title() == f"{payload} · DispyCluster"
    _nothing_injected(ui)


def test_nodes_page_shows_hostile_address_as_text(ui, hostile):
    ui.open("/nodes")
    card = ui.page.locator(f'.card[data-node="{NODE}"]')
    expect(card.locator(".card-title")).to_have_text(NODE)
    expect(card).to_contain_text(ADDRESS)
    card.locator(".card-title").click()
    ui.page.wait_for_url(f"**/nodes/{NODE}")
    _nothing_injected(ui)


def test_node_view_shows_hostile_address_and_labels_as_text(ui, hostile):
    ui.open(f"/nodes/{NODE}")
    details = ui.page.locator("#node-details")
    expect(details).to_contain_text(ADDRESS)
    for key, value in LABELS.items():
        expect(details).to_contain_text(f"{key}={value}")
    ui.page.click("#edit-node-toggle")
    expect(ui.page.locator("#node-form [name=address]")).to_have_value(ADDRESS)
    _nothing_injected(ui)


def test_monitoring_shows_hostile_alerts_and_node_as_text(ui, hostile):
    ui.open("/monitoring")
    _shows_literally(ui, "#alerts", [*PAYLOADS, SEVERITY])
    titles = ui.page.locator("#alerts td[title]").evaluate_all("cells => cells.map(c => c.title)")
    assert set(PAYLOADS) <= set(titles)
    expect(ui.page.locator("#scope option", has_text=NODE)).to_have_count(1)
    expect(ui.page.locator("#targets")).to_contain_text(NODE)
    # Long hostile values wrap inside the alerts table instead of spilling out of it or the page.
    section = ui.page.locator("#alerts").locator("xpath=ancestor::section[1]").bounding_box()
    table = ui.page.locator("#alerts").locator("xpath=ancestor::table[1]").bounding_box()
    assert table["width"] <= section["width"] + 1
    assert ui.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ui.screenshot("monitoring-hostile")
    _nothing_injected(ui)
