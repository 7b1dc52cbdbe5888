"""With a token configured, the `?token=` link logs the browser in: pages read, mutate and go live."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.processes import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "browser-test-token-0123456789"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, launch_service) -> Iterator[str]:
    env = {"DISPYCLUSTER_API_TOKEN": TOKEN, "DISPYCLUSTER_DISPY_PORT": str(free_port())}
    with launch_service(tmp_path_factory.mktemp("ui-auth"), env) as base_url:
        yield base_url


def test_without_the_token_the_page_says_how_to_log_in(browser, secured):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{secured}/nodes")
    expect(page.locator("#banner")).to_contain_text("?token=")
    expect(page.locator("#live")).to_have_attribute("data-state", "disconnected")
    context.close()


def test_token_link_logs_in_for_reads_mutations_and_the_live_feed(browser, secured):
    context = browser.new_context()
    page = context.new_page()
    failures: list[str] = []
    page.on("response", lambda resp: resp.status >= 400 and failures.append(f"{resp.url}: {resp.status}"))
    page.on("console", lambda msg: msg.type == "error" and failures.append(msg.text))
    page.goto(f"{secured}/nodes?token={TOKEN}", wait_until="networkidle")
    expect(page.locator("#live")).to_have_attribute("data-state", "connected")
    page.click("#add-node-toggle")
    page.fill("#node-name", "authed")
    page.fill("#node-address", "127.0.0.1")
    page.fill("#node-exporter", "127.0.0.1:9")
    page.click("#node-submit")
    page.wait_for_selector('.card[data-node="authed"]')
    page.goto(f"{secured}/monitoring", wait_until="networkidle")
    expect(page.locator("#targets")).to_contain_text("authed")
    context.close()
    assert failures == []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{secured}/api/cluster/nodes/authed", headers=headers).status_code == 200
