"""The Jobs pages in a real browser, against a real dispynode: create, follow, cancel, retry, escape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.support.processes import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS_NAME = "<img src=x onerror=alert(1)>"


def test_job_from_the_form_succeeds_on_screen_without_reload(ui):
    ui.open("/jobs")
    ui.page.evaluate("window.__sameDocument = true")
    ui.page.click("#new-job-toggle")
    ui.page.fill("#job-name", "echo from the form")
    ui.page.select_option("#job-type", "processing")
    ui.page.fill("#param-command", "echo\nhello from the form")
    ui.page.click("#job-submit")
    row = ui.page.locator("#jobs tr", has=ui.page.get_by_text("echo from the form", exact=True))
    row.locator('.badge[data-status="succeeded"]').wait_for(timeout=60_000)
    assert ui.page.evaluate("window.__sameDocument") is True
    ui.screenshot("jobs-after-submit")
    assert ui.problems.all() == []
    job_id = row.get_attribute("data-job-id")
    ui.open(f"/jobs/{job_id}")
    expect(ui.page.locator("#job-logs")).to_contain_text("hello from the form", timeout=30_000)


def test_form_shows_the_servers_field_errors_beside_the_fields(ui):
    ui.open("/jobs")
    ui.page.click("#new-job-toggle")
    ui.page.select_option("#job-type", "scraping")
    ui.page.fill("#job-name", "not a web address")
    # The browser cannot know which schemes the crawler accepts: the server says it.
    ui.page.fill("#param-start_url", "ftp://127.0.0.1/")
    ui.page.click("#job-submit")
    error = ui.page.locator('[data-error-for="parameters.start_url"]')
    expect(error).not_to_be_empty()
    assert ui.page.evaluate("document.activeElement.id") == "param-start_url"
    assert ui.page.inner_text('[data-error-for="name"]') == ""
    ui.screenshot("jobs-form-errors")
    # The 422 answer is what this test asks for; nothing else may fail.
    assert len(ui.problems.all()) == 2 and all("422" in problem for problem in ui.problems.all()), (
        ui.problems.all()
    )


def test_running_job_is_cancelled_from_its_page(ui):
    job = ui.stack.create_job("long sleep", ["sleep", "120"])
    ui.open(f"/jobs/{job['id']}")
    ui.page.wait_for_selector('#job-status[data-status="running"]', timeout=60_000)
    progress = ui.page.locator("#job-progress-text")
    expect(progress).to_contain_text("running as pid", timeout=30_000)
    ui.page.click("#job-cancel")
    ui.page.wait_for_selector('#job-status[data-status="cancelled"]', timeout=60_000)
    assert ui.stack.api.get(f"/api/jobs/{job['id']}").json()["status"] == "cancelled"
    # The running attempt's message goes with it.
    expect(progress).not_to_contain_text("running as pid")
    ui.screenshot("job-cancelled")
    assert ui.problems.all() == []


def test_queued_job_priority_change_cancel_then_retry(ui):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    job = ui.stack.create_job("scheduled later", ["true"], scheduled_at=later, priority=3)
    ui.open(f"/jobs/{job['id']}")
    ui.page.wait_for_selector('#job-status[data-status="queued"]')
    ui.page.fill("#priority-input", "9")
    ui.page.click("#priority-form button")
    expect(ui.page.locator("#priority-input")).to_have_value("9")
    expect(ui.page.locator("#job-details")).to_contain_text("9")
    # The details may hold a "9" already (in a date or time): the API says when the PUT has landed.
    wait_until(lambda: ui.stack.api.get(f"/api/jobs/{job['id']}").json()["priority"] == 9, timeout=10)
    ui.page.click("#job-cancel")
    ui.page.wait_for_selector('#job-status[data-status="cancelled"]')
    # A retry is a new attempt now (the schedule is dropped), so the job runs to its end.
    ui.page.click("#job-retry")
    ui.page.wait_for_selector('#job-status[data-status="succeeded"]', timeout=60_000)
    assert ui.stack.api.get(f"/api/jobs/{job['id']}").json()["status"] == "succeeded"
    assert ui.problems.all() == []


def test_markup_in_a_job_name_renders_as_text(ui):
    job = ui.stack.create_job(XSS_NAME, ["true"])
    ui.open("/jobs")
    link = ui.page.locator(f'#jobs tr[data-job-id="{job["id"]}"] a.job-name')
    assert link.inner_text() == XSS_NAME
    assert ui.page.locator("#jobs img").count() == 0
    ui.open(f"/jobs/{job['id']}")
    expect(ui.page.locator("#job-name")).to_have_text(XSS_NAME)
    assert ui.page.locator("main img").count() == 0
    ui.screenshot("job-xss-name")
    assert ui.problems.all() == []


def test_table_filters_pages_and_orders_on_the_server(ui):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    jobs = [ui.stack.create_job(f"bulk {index}", ["true"], scheduled_at=later) for index in range(23)]
    try:
        ui.open("/jobs?q=bulk")
        rows = ui.page.locator("#jobs tr")
        expect(ui.page.locator("#page-info")).to_have_text("1\N{EN DASH}20 of 23")
        expect(rows.first).to_contain_text("bulk 22")
        ui.page.click("#page-next")
        expect(ui.page.locator("#page-info")).to_have_text("21\N{EN DASH}23 of 23")
        expect(rows).to_have_count(3)
        ui.page.select_option("#filter-order", "asc")
        expect(ui.page.locator("#page-info")).to_have_text("1\N{EN DASH}20 of 23")
        expect(rows.first).to_contain_text("bulk 0")
        assert "order=asc" in ui.page.url
        ui.page.select_option("#filter-status", "cancelled")
        expect(ui.page.locator("#page-info")).to_have_text("0\N{EN DASH}0 of 0")
        ui.page.select_option("#filter-status", "queued")
        expect(ui.page.locator("#page-info")).to_have_text("1\N{EN DASH}20 of 23")
        assert ui.problems.all() == []
    finally:
        for job in jobs:
            ui.stack.api.delete(f"/api/jobs/{job['id']}")
