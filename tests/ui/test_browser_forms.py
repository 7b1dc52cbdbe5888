"""Forms and URLs in a real browser: the command line split as a shell would with a preview, every
error at once in words with focus on the first, filters and page in the URL (shared, reloaded, kept by
the language switch)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _split(ui, text: str):
    return ui.page.evaluate(
        "async text => { try { return (await import('/static/js/argv.js')).splitCommand(text); }"
        " catch (error) { return `error: ${error.message}`; } }",
        text,
    )


def test_command_line_is_split_as_a_shell_would(ui):
    ui.open("/jobs")
    assert _split(ui, "echo hello") == ["echo", "hello"]
    assert _split(ui, "sh -c 'echo a; echo \"b\"'") == ["sh", "-c", 'echo a; echo "b"']
    assert _split(ui, "printf \"%s\\n\" a\\ b ''") == ["printf", "%s\\n", "a b", ""]
    assert _split(ui, "echo one \\\n  two\n three") == ["echo", "one", "two", "three"]
    assert _split(ui, "echo $HOME *.txt | wc") == ["echo", "$HOME", "*.txt", "|", "wc"]
    assert _split(ui, "echo 'open") == "error: single"
    assert _split(ui, 'echo "open') == "error: double"
    assert _split(ui, "echo \\") == "error: trailing"


def test_new_job_defaults_to_processing_and_previews_the_arguments(ui):
    ui.open("/jobs")
    ui.page.click("#new-job-toggle")
    expect(ui.page.locator("#job-type")).to_have_value("processing")
    ui.page.fill("#job-name", "quoted words")
    ui.page.fill("#param-command", "sh -c 'echo \"$0 and $1\"' first 'second one'")
    preview = ui.page.locator("#param-command-preview .arg")
    expect(preview).to_have_text(["sh", "-c", 'echo "$0 and $1"', "first", "second one"])
    ui.screenshot("jobs-form-argv")
    ui.page.click("#job-submit")
    link = ui.page.locator("#job-created a")
    expect(link).to_have_text("quoted words")
    job_id = link.get_attribute("href").rsplit("/", 1)[1]
    job = ui.stack.api.get(f"/api/jobs/{job_id}").json()
    assert job["parameters"]["command"] == ["sh", "-c", 'echo "$0 and $1"', "first", "second one"]
    ui.open(f"/jobs/{job_id}")
    expect(ui.page.locator("#job-logs")).to_contain_text("first and second one", timeout=60_000)
    # How long it ran, once it has ended.
    expect(ui.page.locator("#job-status")).to_have_attribute("data-status", "succeeded")
    expect(ui.page.locator("#job-elapsed")).to_have_text(re.compile(r"^\d+ s$"))
    assert ui.problems.all() == []


def test_every_error_shows_at_once_in_words_with_focus_on_the_first(ui):
    ui.open("/jobs")
    ui.page.click("#new-job-toggle")
    ui.page.fill("#job-priority", "11")
    ui.page.fill("#param-command", "echo 'unfinished")
    ui.page.fill("#param-env", "NOT A PAIR")
    ui.page.click("#job-submit")
    errors = {
        "name": "required",
        "priority": "must be at most 10",
        "parameters.command": "a ' quote is not closed",
        "parameters.env": "write one KEY=value per line",
    }
    for field, message in errors.items():
        expect(ui.page.locator(f'[data-error-for="{field}"]')).to_have_text(message)
    summary = ui.page.locator("#job-form-error")
    expect(summary).to_have_text("4 fields to correct: see the messages beside them.")
    assert ui.page.evaluate("document.activeElement.id") == "job-name"
    assert ui.page.get_attribute("#job-priority", "aria-invalid") == "true"
    # Nothing was sent: the browser knew already.
    assert ui.problems.all() == []
    ui.page.fill("#job-name", "fixed")
    ui.page.click("#job-submit")
    expect(ui.page.locator('[data-error-for="name"]')).to_be_empty()
    assert ui.page.evaluate("document.activeElement.id") == "job-priority"


def test_node_form_shows_every_error_at_once(ui):
    ui.open("/nodes")
    ui.page.click("#add-node-toggle")
    ui.page.fill("#node-dispy-port", "70000")
    ui.page.fill("#node-labels", "rack")
    ui.page.click("#node-submit")
    expect(ui.page.locator('[data-error-for="name"]')).to_have_text("required")
    expect(ui.page.locator('[data-error-for="address"]')).to_have_text("required")
    expect(ui.page.locator('[data-error-for="dispy_port"]')).to_have_text("must be at most 65535")
    expect(ui.page.locator('[data-error-for="labels"]')).not_to_be_empty()
    assert ui.page.evaluate("document.activeElement.id") == "node-name"
    assert ui.problems.all() == []


def test_filters_live_in_the_url_and_survive_reload_and_language_switch(ui):
    ui.stack.create_job("url filter fails", ["false"])
    ui.stack.create_job("url filter works", ["true"])
    ui.open("/jobs?status=failed&q=url+filter")
    expect(ui.page.locator("#filter-status")).to_have_value("failed")
    expect(ui.page.locator("#filter-q")).to_have_value("url filter")
    rows = ui.page.locator("#jobs tr[data-job-id]")
    expect(rows.filter(has_text="url filter fails")).to_have_count(1, timeout=60_000)
    expect(rows.filter(has_text="url filter works")).to_have_count(0)
    assert "status=failed" in ui.page.url and "q=url+filter" in ui.page.url
    expect(ui.page.locator('#status-counts [aria-current="true"]')).to_have_attribute("data-status", "failed")
    ui.page.select_option("#filter-order", "asc")
    expect(ui.page).to_have_url(ui.stack.base_url + "/jobs?status=failed&q=url+filter&order=asc")
    ui.page.reload()
    ui.page.wait_for_load_state("networkidle")
    expect(ui.page.locator("#filter-order")).to_have_value("asc")
    expect(ui.page.locator("#created-head")).to_have_attribute("aria-sort", "ascending")
    # Changed after the page loaded: the switch still comes back to the URL as it is now.
    ui.page.fill("#filter-q", "url filter f")
    expect(ui.page).to_have_url(ui.stack.base_url + "/jobs?status=failed&q=url+filter+f&order=asc")
    ui.page.wait_for_load_state("networkidle")
    ui.page.click("#lang-fr")
    ui.page.wait_for_load_state("networkidle")
    assert ui.page.url == ui.stack.base_url + "/jobs?status=failed&q=url+filter+f&order=asc"
    expect(ui.page.locator("#filter-status")).to_have_value("failed")
    ui.page.wait_for_load_state("networkidle")
    ui.page.click("#lang-en")
    ui.page.wait_for_load_state("networkidle")
    assert ui.problems.all() == []


def test_nodes_view_filters_and_groups_from_the_url(ui):
    ui.open("/nodes?view=table&status=online&q=loc")
    row = ui.page.locator('.nodes-table tr[data-node="local"]')
    expect(row).to_be_visible()
    expect(ui.page.locator("#node-view")).to_have_value("table")
    ui.page.select_option("#node-filter-status", "offline")
    expect(row).to_have_count(0)
    expect(ui.page.locator("#node-groups")).to_contain_text("No node matches these filters.")
    assert "status=offline" in ui.page.url
    ui.page.select_option("#node-view", "cards")
    ui.page.select_option("#node-filter-status", "")
    expect(ui.page.locator('.card[data-node="local"]')).to_be_visible()
    assert ui.page.url.endswith("/nodes?q=loc&view=cards")
    assert ui.problems.all() == []


def test_dashboard_card_leads_to_the_jobs_it_counts(ui):
    ui.stack.create_job("card failure", ["false"])
    ui.open("/")
    card = ui.page.locator("#card-failed24h")
    expect(card).to_have_attribute("href", re.compile(r"^/jobs\?status=failed&created_after="))
    expect(ui.page.locator("#fig-failed24h")).not_to_have_text("0", timeout=60_000)
    count = ui.page.inner_text("#fig-failed24h")
    card.click()
    ui.page.wait_for_load_state("networkidle")
    expect(ui.page.locator("#created-after")).to_be_visible()
    expect(ui.page.locator("#page-info")).to_have_text(re.compile(rf"of {count}$"))
    ui.page.click("#created-after-clear")
    expect(ui.page.locator("#created-after")).to_be_hidden()
    expect(ui.page).not_to_have_url(re.compile("created_after"))
    ui.page.wait_for_load_state("networkidle")
    assert ui.problems.all() == []
