"""The live feed's failure mode: the page says it is disconnected, reconnects, and reloads from the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.support.database import database_url
from tests.support.processes import free_port
from webapi.core.db.engine import make_engine, make_session_factory
from webapi.jobs.tables import Job

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _insert_finished_job(data_dir, name: str) -> None:
    """Written straight into the database while the service is down: no live event can announce it."""
    engine = make_engine(database_url(data_dir / "dispycluster.db"))
    now = datetime.now(UTC).replace(tzinfo=None)
    with make_session_factory(engine)() as session:
        session.add(
            Job(name=name, type="processing", parameters={"command": ["true"]}, status="succeeded",
                priority=5, created_at=now, finished_at=now, attempts=1, max_retries=1, progress=100.0)
        )  # fmt: skip
        session.commit()
    engine.dispose()


def test_page_reconnects_and_refreshes_after_the_service_restarts(browser, launch_service, tmp_path):
    env = {"DISPYCLUSTER_DISPY_PORT": str(free_port())}
    port = free_port()
    page = browser.new_page()
    live = page.locator("#live")
    with launch_service(tmp_path, env, port) as base_url:
        page.goto(f"{base_url}/jobs")
        expect(live).to_have_attribute("data-state", "connected")
        expect(page.locator("#jobs")).to_contain_text("No jobs.")
    expect(live).to_have_attribute("data-state", "disconnected")
    expect(live).to_have_text("Disconnected — reconnecting")
    # What the feed kept live may be stale now: greyed, with a way to retry at once.
    expect(page.locator("body")).to_have_attribute("data-live", "disconnected")
    assert float(page.eval_on_selector("#nav-jobs", "a => getComputedStyle(a).opacity")) == 1
    retry = page.locator("#live-retry")
    expect(retry).to_be_visible()
    # A request while the service is away says so in words, not "Failed to fetch".
    page.select_option("#filter-order", "asc")
    expect(page.locator("#banner")).to_have_text("Could not load data: the service does not answer")
    # Retrying at once while the service is still away opens a new socket and changes nothing else.
    with page.expect_websocket():
        retry.click()
    expect(live).to_have_attribute("data-state", "disconnected")
    _insert_finished_job(tmp_path / "data", "written while down")
    with launch_service(tmp_path, env, port):
        expect(live).to_have_attribute("data-state", "connected", timeout=40_000)
        expect(page.locator("#jobs")).to_contain_text("written while down")
        expect(page.locator("#banner")).to_be_hidden()
        expect(retry).to_be_hidden()
        expect(page.locator("body")).to_have_attribute("data-live", "connected")
    page.close()


def test_stale_values_are_greyed_while_disconnected(browser, launch_service, tmp_path):
    env = {"DISPYCLUSTER_DISPY_PORT": str(free_port())}
    page = browser.new_page()
    with launch_service(tmp_path, env) as base_url:
        page.goto(f"{base_url}/")
        expect(page.locator("#live")).to_have_attribute("data-state", "connected")
        expect(page.locator("#cluster-status")).not_to_have_attribute("data-status", "unknown")
        assert page.eval_on_selector("#cluster-status", "b => getComputedStyle(b).opacity") == "1"
    expect(page.locator("#live")).to_have_attribute("data-state", "disconnected")
    assert float(page.eval_on_selector("#cluster-status", "b => getComputedStyle(b).opacity")) < 1
    assert float(page.eval_on_selector("#fig-nodes", "b => getComputedStyle(b).opacity")) < 1
    page.close()
