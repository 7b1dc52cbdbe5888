"""A job's page follows its job live, against a real dispynode: output while it runs, elapsed time,
attempts apart, the queue; and the jobs table's sort survives a reload. Events and order only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Prints, then stays running until the test cancels it: a line on screen is one printed by a running job.
TICKING = "for i in 1 2 3 4 5; do echo tick $i; echo tock $i >&2; sleep 0.3; done; sleep 120"


def test_output_shows_while_the_job_runs_and_elapsed_time_ticks(ui):
    job = ui.stack.create_job("live ticks", ["sh", "-c", TICKING])
    try:
        ui.open(f"/jobs/{job['id']}")
        # Both true at once, in the page: the line came while the badge said running.
        ui.page.wait_for_function(
            """() => document.getElementById("job-status").dataset.status === "running"
                && document.getElementById("job-logs").textContent.includes("[stdout] tick 1")""",
            timeout=60_000,
        )
        expect(ui.page.locator("#job-logs")).to_contain_text("[stderr] tock 5", timeout=30_000)
        text = ui.page.locator("#job-logs").inner_text()
        assert text.index("tick 1") < text.index("tick 2") < text.index("tick 5")
        assert ui.page.locator('.log-attempt[data-attempt="1"]').count() == 1
        first = ui.page.inner_text("#job-elapsed")
        ui.page.wait_for_function(
            "(first) => document.getElementById('job-elapsed').textContent !== first",
            arg=first,
            timeout=30_000,
        )
        assert ui.page.inner_text("#job-status") == "running"
        ui.screenshot("job-live-output")
        ui.page.click("#job-cancel")
        ui.page.wait_for_selector('#job-status[data-status="cancelled"]', timeout=60_000)
        # What it printed stays with the cancelled job.
        expect(ui.page.locator("#job-logs")).to_contain_text("tick 5")
        assert ui.problems.all() == []
    finally:
        ui.stack.api.delete(f"/api/jobs/{job['id']}")


def test_each_attempt_shows_its_own_output(ui):
    script = 'echo "try $(date +%N)"; exit 1'
    job = ui.stack.create_job("fails twice", ["sh", "-c", script], max_retries=1)
    ui.open(f"/jobs/{job['id']}")
    ui.page.wait_for_selector('#job-status[data-status="failed"]', timeout=60_000)
    heads = ui.page.locator(".log-attempt")
    expect(heads).to_have_count(2, timeout=30_000)
    expect(heads.nth(1)).to_have_attribute("data-attempt", "2")
    text = ui.page.locator("#job-logs").inner_text()
    second = text.index("Attempt 2")
    assert 0 <= text.index("[stdout] try") < second and "[stdout] try" in text[second:]


def test_a_queued_job_says_why_it_waits(ui):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    job = ui.stack.create_job("waits for its time", ["true"], scheduled_at=later)
    try:
        ui.open(f"/jobs/{job['id']}")
        expect(ui.page.locator("#job-queue")).to_have_text("Waiting for its scheduled time")
        ui.page.click("#job-cancel")
        ui.page.wait_for_selector('#job-status[data-status="cancelled"]')
        expect(ui.page.locator("#job-queue")).to_be_hidden()
        assert ui.problems.all() == []
    finally:
        ui.stack.api.delete(f"/api/jobs/{job['id']}")


def test_the_jobs_table_sort_by_a_column_survives_a_reload(ui):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    jobs = [
        ui.stack.create_job(name, ["true"], scheduled_at=later)
        for name in ("sortme b", "sortme c", "sortme a")
    ]
    try:
        ui.open("/jobs?q=sortme")
        names = ui.page.locator("#jobs a.job-name")
        expect(names).to_have_text(["sortme a", "sortme c", "sortme b"])
        ui.page.click("#sort-name")
        expect(names).to_have_text(["sortme a", "sortme b", "sortme c"])
        assert "sort=name" in ui.page.url and "order=asc" in ui.page.url
        expect(ui.page.locator("#name-head")).to_have_attribute("aria-sort", "ascending")
        ui.page.reload(wait_until="load")
        expect(names).to_have_text(["sortme a", "sortme b", "sortme c"])
        expect(ui.page.locator("#name-head")).to_have_attribute("aria-sort", "ascending")
        assert ui.page.locator("#created-head").get_attribute("aria-sort") is None
        ui.page.click("#sort-name")
        expect(names).to_have_text(["sortme c", "sortme b", "sortme a"])
        expect(ui.page.locator("#name-head")).to_have_attribute("aria-sort", "descending")
        assert ui.problems.all() == []
    finally:
        for job in jobs:
            ui.stack.api.delete(f"/api/jobs/{job['id']}")
