"""The service's own Prometheus metrics (listed in README under `GET /metrics`) and the HTTP middleware.

Module-level metrics on the default registry; `_created` series are disabled so every scrape shows only
the counters themselves.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapi import __version__

disable_created_metrics()

COLLECTION_ROUNDS = Counter("dispycluster_collection_rounds", "Collection rounds completed.")
COLLECTION_ROUND_SECONDS = Histogram(
    "dispycluster_collection_round_duration_seconds",
    "Duration of a collection round (all scrapes, derivation and history write).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SCRAPE_ERRORS = Counter("dispycluster_scrape_errors", "Failed scrapes of a node's exporter.", ["node"])
NODE_UP = Gauge("dispycluster_node_up", "1 when the node's last scrape succeeded, else 0.", ["node"])
HTTP_REQUESTS = Counter("dispycluster_http_requests", "HTTP requests served.", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "dispycluster_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
BUILD_INFO = Gauge("dispycluster_build_info", "Version of the running service.", ["version"])
BUILD_INFO.labels(version=__version__).set(1)

UNMATCHED_ROUTE = "<unmatched>"


class HttpMetricsMiddleware:
    """Counts requests by route template (not raw path, so node names do not explode the label set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The labelled children, looked up once each: `labels()` takes a lock and checks its arguments.
        self._counters: dict[tuple[str, str, str], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}

    def _observe(self, method: str, template: str, status: str, seconds: float) -> None:
        counter = self._counters.get((method, template, status))
        if counter is None:
            counter = self._counters[(method, template, status)] = HTTP_REQUESTS.labels(
                method, template, status
            )
        histogram = self._histograms.get((method, template))
        if histogram is None:
            histogram = self._histograms[(method, template)] = HTTP_SECONDS.labels(method, template)
        counter.inc()
        histogram.observe(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            self._observe(scope["method"], template, str(status), time.perf_counter() - started)


def forget_node(node: str) -> None:
    """Drop the per-node series of a node that left the inventory."""
    for metric in (NODE_UP, SCRAPE_ERRORS):
        try:
            metric.remove(node)
        except KeyError:
            continue
