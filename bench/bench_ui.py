"""The web interface with 50 nodes and 10,000 jobs on loopback, in Debian's Chromium (Playwright).

- First render of the dashboard (navigation → every figure, the service parts and the recent activity
  drawn), goal ≤ 1 s. Baseline, same run and browser: loading `/api/health` (one bare round trip).
- A collection round reaching the open dashboard (round end → the figures redrawn), goal ≤ 1 s.
  Baseline, same run: a bare WebSocket client on `/ws` (the feed alone, without the browser).
- The service restarted under an open page: its health check answering again → the page live, goal ≤ 2 s.
- Cold loads (new browser context, empty cache) of a node page and Monitoring: navigation → first data,
  and → charts drawn, goal first data ≤ 0.5 s on loopback; again through a 10 Mbit/s, 40 ms link.
  Baseline, same run and conditions: `/api/health` loaded cold.
The exporters are light servers replaying a recorded exporter page (from `bench_collect`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.bench_collect import _free_port, _stop, _wait, record_payload, replay_servers
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.processes import web_service_argv

NODES = 50
JOBS = 10_000
LOADS = 7
ROUNDS = 6
RESTARTS = 5
INTERVAL_SECONDS = 2.0
GOAL_SECONDS = 1.0


def _seed(data_dir: Path, targets: list[str]) -> None:
    """The inventory and the job table, written before the service starts."""
    from webapi.core.db import migrate
    from webapi.core.runtime import Runtime
    from webapi.core.settings import load_settings
    from webapi.inventory import store
    from webapi.inventory.schemas import NodeSpec
    from webapi.jobs.tables import Job

    runtime = Runtime.from_settings(load_settings(data_dir=data_dir))
    migrate.upgrade(runtime.engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    statuses = ["succeeded"] * 8 + ["failed", "cancelled"]
    with runtime.sessions() as session:
        for index, target in enumerate(targets):
            # No dispynode listens on the bench nodes: port 1 keeps dispy from finding anything there.
            spec = NodeSpec(name=f"n{index:02d}", address="127.0.0.1", exporter=target, dispy_port=1)
            store.create_node(session, spec)
        jobs = []
        for index in range(JOBS):
            created = now - timedelta(seconds=(JOBS - index) * 17)
            jobs.append(
                Job(
                    name=f"job {index}",
                    type="processing",
                    parameters={"command": ["true"]},
                    status=statuses[index % len(statuses)],
                    priority=5,
                    created_at=created,
                    started_at=created,
                    finished_at=created + timedelta(seconds=1),
                    node=f"n{index % NODES:02d}",
                    attempts=1,
                    max_retries=1,
                    progress=100.0,
                )
            )
        session.add_all(jobs)
        session.commit()
    runtime.engine.dispose()


@contextlib.contextmanager
def _service(data_dir: Path, port: int | None = None) -> Iterator[str]:
    port = port or _free_port()
    env = {
        **os.environ,
        "DISPYCLUSTER_DATA_DIR": str(data_dir),
        "DISPYCLUSTER_COLLECT_INTERVAL": str(INTERVAL_SECONDS),
        "DISPYCLUSTER_COLLECT_TIMEOUT": "1.5",
        "DISPYCLUSTER_DISPY_PORT": str(_free_port()),
    }
    argv = web_service_argv(port)
    log = open(data_dir / "web.log", "wb")  # noqa: SIM115 (closed with the process below)
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{port}/api/health", timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)
        log.close()


def _first_renders(page, base_url: str) -> tuple[list[float], list[float]]:
    from playwright.sync_api import expect

    dashboard, health = [], []
    for _ in range(LOADS + 1):  # the first pass warms the browser's cache; it is not counted
        started = time.perf_counter()
        page.goto(f"{base_url}/api/health")
        page.wait_for_selector("body")
        health.append(time.perf_counter() - started)
        started = time.perf_counter()
        page.goto(f"{base_url}/")
        expect(page.locator("#fig-nodes")).to_have_text(f"{NODES} / {NODES}", timeout=10_000)
        for figure in ("running", "queued", "failed24h", "alerts"):
            expect(page.locator(f"#fig-{figure}")).not_to_have_text("…", timeout=10_000)
        page.wait_for_selector("#services tr")
        page.wait_for_selector("#activity li a")
        dashboard.append(time.perf_counter() - started)
    return dashboard[1:], health[1:]


# Page → (what shows its first data, what shows its first chart drawn by plotly.js, which the page
# loads only after its figures are on screen).
COLD_PAGES = {
    "node": ("/nodes/n00", "#node-details dd", "#node-charts .chart .main-svg"),
    "monitoring": ("/monitoring", "#collection dd", "#charts .chart[data-chart='network'] .main-svg"),
}
# Loads that did not show their data (or charts) within 30 s, per link and page.
STALLED: dict[bool, dict[str, int]] = {False: {}, True: {}}
# A phone on a 10 Mbit/s link with 40 ms of latency each way.
SLOW_LINK = {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8, "uploadThroughput": 5e6 / 8}


def _cold_loads(browser, base_url: str, slow: bool = False) -> dict[str, tuple[list[float], list[float]]]:
    """Each load in a new browser context (empty cache): navigation → first data, → charts drawn."""
    from playwright.sync_api import expect

    timings: dict[str, tuple[list[float], list[float]]] = {}
    stalled = STALLED[slow]
    for name, (path, data, charts) in [("health", ("/api/health", "body", "body")), *COLD_PAGES.items()]:
        first, drawn = [], []
        for _ in range(LOADS):
            context = browser.new_context()
            page = context.new_page()
            if slow:
                session = context.new_cdp_session(page)
                session.send("Network.enable")
                session.send("Network.emulateNetworkConditions", SLOW_LINK)
            started = time.perf_counter()
            try:
                page.goto(f"{base_url}{path}", wait_until="commit")
                expect(page.locator(data).first).to_be_attached(timeout=30_000)
                first.append(time.perf_counter() - started)
                expect(page.locator(charts).first).to_be_attached(timeout=30_000)
                drawn.append(time.perf_counter() - started)
            except AssertionError:
                # Said, not hidden: a load that never showed its data is counted apart.
                stalled[name] = stalled.get(name, 0) + 1
            context.close()
        timings[name] = (first or [float("nan")], drawn or [float("nan")])
    return timings


def _reconnects(browser, data_dir: Path) -> list[float]:
    """The service restarted under an open page, RESTARTS times: from the moment its health check answers
    again (seen by polling every 0.1 s, so up to 0.1 s late) to the page's indicator saying *Live*."""
    from playwright.sync_api import expect

    port = _free_port()
    page = browser.new_page()
    live = page.locator("#live")
    delays: list[float] = []
    with _service(data_dir, port) as base_url:
        page.goto(f"{base_url}/jobs")
        expect(live).to_have_attribute("data-state", "connected", timeout=30_000)
    for _ in range(RESTARTS):
        expect(live).to_have_attribute("data-state", "disconnected", timeout=30_000)
        page.evaluate(
            """() => {
                window.__live = null;
                const live = document.getElementById("live");
                new MutationObserver(() => {
                    if (live.dataset.state === "connected") window.__live ??= Date.now() / 1000;
                }).observe(live, { attributes: true });
            }"""
        )
        with _service(data_dir, port):
            answering = time.time()
            expect(live).to_have_attribute("data-state", "connected", timeout=30_000)
            delays.append(page.evaluate("() => window.__live") - answering)
    page.close()
    return delays


def _round_ends(base_url: str, count: int) -> list[float]:
    """Wall-clock end times of the next `count` collection rounds, read from /api/monitoring/health."""
    ends: list[float] = []
    with httpx.Client(base_url=base_url, timeout=5) as client:
        while len(ends) < count:
            last = client.get("/api/monitoring/health").json()["last_round"]
            if last is not None:
                end = datetime.fromisoformat(last["started_at"]).timestamp() + last["duration_seconds"]
                if not ends or end > ends[-1] + 0.1:
                    ends.append(end)
            time.sleep(0.05)
    return ends


def _feed_arrivals(base_url: str, stop: threading.Event, arrivals: list[float]) -> None:
    import websockets

    async def listen() -> None:
        async with websockets.connect(base_url.replace("http", "ws") + "/ws") as socket:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                    if message["type"] == "overview":
                        arrivals.append(time.time())

    asyncio.run(listen())


def _latencies(ends: list[float], seen: list[float]) -> list[float]:
    """For each round end, the delay to the first update seen after it."""
    return [min(t for t in seen if t >= end) - end for end in ends if any(t >= end for t in seen)]


def _round_to_screen(page, base_url: str) -> tuple[list[float], list[float]]:
    page.goto(f"{base_url}/")
    page.wait_for_selector('#live[data-state="connected"]')
    # Record (in the page, wall clock) each redraw of the "updated" time, which every overview message sets.
    page.evaluate(
        """() => {
            window.__redraws = [];
            const watch = { childList: true, characterData: true, subtree: true };
            new MutationObserver(() => window.__redraws.push(Date.now() / 1000))
                .observe(document.getElementById("updated"), watch);
        }"""
    )
    stop, arrivals = threading.Event(), []
    listener = threading.Thread(target=_feed_arrivals, args=(base_url, stop, arrivals))
    listener.start()
    try:
        ends = _round_ends(base_url, ROUNDS)
        time.sleep(INTERVAL_SECONDS / 2)
        redraws = page.evaluate("() => window.__redraws")
    finally:
        stop.set()
        listener.join()
    return _latencies(ends, redraws), _latencies(ends, arrivals)


def _line(label: str, values: list[float]) -> str:
    return f"{label:34s} p50 {statistics.median(values) * 1000:8.1f} ms  max {max(values) * 1000:8.1f} ms"


def main() -> None:
    from playwright.sync_api import sync_playwright

    payload = record_payload()
    with (
        replay_servers(NODES, payload) as targets,
        tempfile.TemporaryDirectory() as tmp,
    ):
        _seed(Path(tmp), targets)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            with _service(Path(tmp)) as base_url:
                page = browser.new_page()
                dashboard, health = _first_renders(page, base_url)
                on_screen, on_feed = _round_to_screen(page, base_url)
                cold = _cold_loads(browser, base_url)
                slow = _cold_loads(browser, base_url, slow=True)
            reconnects = _reconnects(browser, Path(tmp))
            browser.close()
    print(f"{NODES} nodes, {JOBS} jobs, scrape every {INTERVAL_SECONDS:g} s; {LOADS} loads, {ROUNDS} rounds")
    print(_line("dashboard first render", dashboard))
    print(_line("baseline: /api/health in browser", health))
    print(_line("round end -> dashboard redrawn", on_screen))
    print(_line("baseline: round end -> /ws client", on_feed))
    for label, timings in (("loopback", cold), ("10 Mbit/s, 40 ms", slow)):
        for name, (first, drawn) in timings.items():
            print(_line(f"cold {name} first data ({label})", first))
            if name != "health":
                print(_line(f"cold {name} charts drawn ({label})", drawn))
    for slow_link, stalled in STALLED.items():
        for name, count in stalled.items():
            link = "10 Mbit/s" if slow_link else "loopback"
            print(f"cold {name} ({link}): {count} of {LOADS} loads stalled > 30 s")
    for name in COLD_PAGES:
        first = statistics.median(cold[name][0])
        ratio = first / statistics.median(cold["health"][0])
        print(
            f"cold {name}: first data {first * 1000:.0f} ms = {ratio:.1f}x "
            f"a bare /api/health; goal ≤ 0.5 s {'met' if first <= 0.5 else 'NOT met'}"
        )
    print(_line(f"service back -> page live ({RESTARTS}x)", reconnects))
    print(f"reconnection goal ≤ 2 s: {'met' if max(reconnects) <= 2 else 'NOT met'} (max)")
    render, redraw = statistics.median(dashboard), statistics.median(on_screen)
    print(
        f"ratios: first render/health {render / statistics.median(health):.1f}x, "
        f"dashboard/bare feed {redraw / statistics.median(on_feed):.2f}x; goals ≤ {GOAL_SECONDS:.0f} s: "
        f"first render {'met' if render <= GOAL_SECONDS else 'NOT met'}, "
        f"round on screen {'met' if redraw <= GOAL_SECONDS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
