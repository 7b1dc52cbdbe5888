"""The running stack for the browser tests: the web service as a subprocess on a free loopback port, a
real exporter and a real dispynode, and Debian's Chromium driven by Playwright.

One stack and one browser serve the whole module set (start-up is the slow part); each test gets a
fresh page whose console errors and failed requests are recorded.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.browser import CHROMIUM_ARGS
from tests.support.database import DATABASE_URL_ENV, postgres_requested
from tests.support.processes import free_port, require_binary, running, wait_until, web_service_argv

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
BIN = Path(sys.executable).parent


@dataclass
class Stack:
    base_url: str
    tmp: Path
    api: httpx.Client

    def add_node(self, name: str, exporter_port: int, dispy_port: int | None = None) -> None:
        body: dict[str, object] = {
            "name": name,
            "address": "127.0.0.1",
            "exporter": f"127.0.0.1:{exporter_port}",
        }
        if dispy_port is not None:
            body["dispy_port"] = dispy_port
        response = self.api.post("/api/cluster/nodes", json=body)
        assert response.status_code == 201, response.text

    def create_job(self, name: str, command: list[str], **extra: object) -> dict:
        """A `processing` job running `command`, created through the API; its JSON."""
        body = {"name": name, "type": "processing", "parameters": {"command": command}, **extra}
        response = self.api.post("/api/jobs", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def node_status(self, name: str) -> str:
        return self.api.get(f"/api/cluster/nodes/{name}").json()["status"]


def exporter_argv(port: int) -> list[str]:
    return [str(BIN / "dispycluster-exporter"), f"--web.listen-address=127.0.0.1:{port}"]


@contextlib.contextmanager
def exporter(tmp: Path, name: str) -> Iterator[int]:
    port = free_port()
    with running(
        exporter_argv(port),
        log_path=tmp / f"exporter-{name}.log",
        ready_url=f"http://127.0.0.1:{port}/metrics",
    ):
        yield port


@contextlib.contextmanager
def web_service(tmp: Path, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """`uvicorn --factory webapi.app:create_app` on a free (or given) loopback port: its URL."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = web_service_argv(port)
    env = {"DISPYCLUSTER_DATA_DIR": str(tmp / "data"), **env}
    with running(
        argv, log_path=tmp / "web.log", env=env, cwd=ROOT, ready_url=f"{base_url}/api/health", timeout=60
    ):
        yield base_url


def _tcp_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


@contextlib.contextmanager
def own_database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The environment that gives a session-long service a database of its own: the per-module and
    per-test PostgreSQL databases are dropped while it still runs. SQLite lives in its data dir."""
    if not postgres_requested():
        yield {}
        return
    with request.getfixturevalue("postgres").database() as url:
        yield {DATABASE_URL_ENV: url}


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("ui-stack")
    secret = secrets.token_hex(16)
    client_port = free_port()
    # dispynode's -p is the dispy *base* port; the node itself listens on base + 1.
    node_port = free_port()
    dispynode = [
        sys.executable, str(BIN / "dispynode.py"), "-i", "127.0.0.1", "-p", str(node_port - 1), "-s", secret,
        "--clean", "--daemon", "--dest_path_prefix", str(tmp / "dispynode"),
    ]  # fmt: skip
    env = {
        "DISPYCLUSTER_COLLECT_INTERVAL": "1",
        "DISPYCLUSTER_COLLECT_TIMEOUT": "0.8",
        "DISPYCLUSTER_DISPY_SECRET": secret,
        "DISPYCLUSTER_DISPY_PORT": str(client_port),
        "DISPYCLUSTER_DISPY_PULSE_INTERVAL": "1",
    }
    with (
        own_database(request) as database,
        exporter(tmp, "local") as exporter_port,
        running(dispynode, log_path=tmp / "dispynode.log", cwd=tmp),
        web_service(tmp, {**env, **database}) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as api,
    ):
        wait_until(lambda: _tcp_open(node_port), timeout=20)
        result = Stack(base_url=base_url, tmp=tmp, api=api)
        result.add_node("local", exporter_port, node_port)
        wait_until(lambda: result.node_status("local") == "online", timeout=30)
        yield result


@pytest.fixture
def start_exporter(stack: Stack) -> Callable[[str], contextlib.AbstractContextManager[int]]:
    """`with start_exporter(name) as port:` runs one more real exporter for the block."""
    return lambda name: exporter(stack.tmp, name)


@pytest.fixture(scope="session")
def launch_service() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """`with launch_service(tmp, env[, port]) as base_url:` runs one more web service for the block."""
    return web_service


# Module scope: Playwright's sync API keeps an event loop running in this thread until it stops, which
# would break asyncio.run() in the tests collected after it. (A package-scoped fixture registered from
# tests/support/ lives for the whole session.)
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    chromium = require_binary("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Problems:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console, *self.failed]


@dataclass
class UiPage:
    page: object
    problems: Problems
    stack: Stack

    def open(self, path: str) -> None:
        # "networkidle" alone can come before the page's module has run; "load" comes after the
        # modules, then the idle wait lets their fetches (and the chart library) finish.
        self.page.goto(f"{self.stack.base_url}{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# What the tests type into a prompt (the drain's reason).
PROMPT_ANSWER = "from the browser test"


def _answer(dialog: object, problems: Problems) -> None:
    """Confirmations are accepted, prompts answered PROMPT_ANSWER; any other dialog (an injected alert())
    is a problem."""
    if dialog.type == "prompt":
        dialog.accept(PROMPT_ANSWER)
        return
    if dialog.type != "confirm":
        problems.console.append(f"unexpected {dialog.type} dialog: {dialog.message}")
    dialog.accept()


DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@contextlib.contextmanager
def ui_page(
    browser: object, stack: Stack, viewport: dict[str, int], locale: str = "en-US"
) -> Iterator[UiPage]:
    """A fresh browser context and page at `viewport`, recording the page's problems."""
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    problems = Problems()
    page.on("console", lambda msg: msg.type == "error" and problems.console.append(msg.text))
    page.on("pageerror", lambda error: problems.console.append(f"uncaught: {error}"))
    # A request cut short because the test navigated away (ERR_ABORTED) says nothing about the page.
    page.on(
        "requestfailed",
        lambda req: (
            req.failure != "net::ERR_ABORTED"
            and problems.failed.append(f"{req.method} {req.url}: {req.failure}")
        ),
    )
    page.on(
        "response",
        lambda resp: (
            resp.status >= 400 and problems.failed.append(f"{resp.request.method} {resp.url}: {resp.status}")
        ),
    )
    page.on("dialog", lambda dialog: _answer(dialog, problems))
    try:
        yield UiPage(page=page, problems=problems, stack=stack)
    finally:
        context.close()


@pytest.fixture
def ui(browser: object, stack: Stack) -> Iterator[UiPage]:
    with ui_page(browser, stack, {"width": 1280, "height": 900}) as page:
        yield page


@pytest.fixture
def ui_at(browser: object, stack: Stack) -> Callable[..., contextlib.AbstractContextManager[UiPage]]:
    """`with ui_at(PHONE) as ui:` a page at another viewport (or locale) for the block."""
    return lambda viewport, locale="en-US": ui_page(browser, stack, viewport, locale)
