"""The pages show each role only what it may do: a viewer sees no control that changes anything and no
Audit link, and meets no refusal while browsing; an admin reads the audit trail, refusals included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.processes import free_port
from tests.support.tokens import create_token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN = "browser-roles-admin-token-0123456789"


@dataclass
class Secured:
    url: str
    viewer: str
    job_id: int


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, launch_service) -> Iterator[Secured]:
    tmp: Path = tmp_path_factory.mktemp("ui-roles")
    env = {"DISPYCLUSTER_API_TOKEN": ADMIN, "DISPYCLUSTER_DISPY_PORT": str(free_port())}
    with (
        launch_service(tmp, env) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as api,
    ):
        assert (
            api.post(
                "/api/cluster/nodes",
                json={"name": "roles-node", "address": "127.0.0.1", "exporter": "127.0.0.1:9"},
            ).status_code
            == 201
        )
        job = api.post(
            "/api/jobs",
            json={"name": "seen by a viewer", "type": "processing", "parameters": {"command": ["true"]}},
        )
        assert job.status_code == 201
        yield Secured(url, create_token(tmp / "data", "ui-viewer", "viewer"), job.json()["id"])


def _browse(browser, url: str, token: str, paths: list[str], check) -> list[str]:
    """Opens each page (the first with the `?token=` login), runs `check(page, path)`, returns problems."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on(
        "response",
        lambda resp: (
            resp.status >= 400 and problems.append(f"{resp.request.method} {resp.url}: {resp.status}")
        ),
    )
    try:
        for index, path in enumerate(paths):
            login = f"{'&' if '?' in path else '?'}token={token}" if index == 0 else ""
            page.goto(f"{url}{path}{login}", wait_until="load")
            page.wait_for_load_state("networkidle")
            expect(page.locator("#live")).to_have_attribute("data-state", "connected")
            check(page, path)
    finally:
        context.close()
    return problems


def test_a_viewer_sees_no_control_it_may_not_use(browser, secured: Secured) -> None:
    def check(page, path: str) -> None:
        expect(page.locator("#nav-audit")).to_have_count(0)
        expect(page.locator("body")).to_have_attribute("data-role", "viewer")
        for control in (
            "#new-job-toggle",
            "#job-actions",
            "#add-node-toggle",
            "#edit-node-toggle",
            "#node-delete",
        ):
            if page.locator(control).count():
                expect(page.locator(control)).to_be_hidden()
        if path.startswith("/jobs/"):
            expect(page.locator("#job-name")).to_have_text("seen by a viewer")
        if path == "/nodes":
            expect(page.locator('[data-node="roles-node"]')).to_have_count(1)

    paths = ["/", "/jobs", f"/jobs/{secured.job_id}", "/nodes", "/nodes/roles-node", "/monitoring"]
    assert _browse(browser, secured.url, secured.viewer, paths, check) == []


def test_the_api_refuses_a_viewer_what_the_page_hides_and_the_admin_reads_it_in_the_audit(
    browser, secured: Secured
) -> None:
    # What a viewer's browser would send if it showed the button: refused, and recorded.
    refused = httpx.delete(
        f"{secured.url}/api/jobs/{secured.job_id}", headers={"Authorization": f"Bearer {secured.viewer}"}
    )
    assert refused.status_code == 403 and "needs the operator role" in refused.json()["error"]["message"]

    def check(page, path: str) -> None:
        expect(page.locator("#nav-audit")).to_be_visible()
        if path.startswith("/audit"):
            row = page.locator("#audit-rows tr", has_text="ui-viewer")
            expect(row).to_have_count(1)
            expect(row).to_contain_text(f"DELETE /api/jobs/{secured.job_id}")
            expect(row).to_contain_text("403")
            expect(row).to_contain_text("viewer")

    assert _browse(browser, secured.url, ADMIN, ["/jobs", "/audit?token_name=ui-viewer"], check) == []


def test_a_viewer_on_the_audit_page_is_told_it_needs_an_admin(browser, secured: Secured) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{secured.url}/audit?token={secured.viewer}", wait_until="load")
    expect(page.locator("#audit-rows")).to_have_text("Only an admin token may read the audit trail.")
    expect(page.locator("#nav-audit")).to_have_count(0)
    context.close()
