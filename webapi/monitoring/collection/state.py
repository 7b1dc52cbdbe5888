"""What the collector knows about each node right now, and the status rule.

A node is `unknown` before its first scrape, `online` when its last scrape succeeded and its data is
fresh, `offline` when its last scrape failed or its data is older than three intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from webapi.monitoring.collection.derive import NodeMetrics, derive
from webapi.monitoring.collection.parse import Snapshot, parse_snapshot
from webapi.monitoring.collection.scrape import ScrapeResult

Status = Literal["online", "offline", "unknown"]
STALE_INTERVALS = 3


def parse_result(result: ScrapeResult, ts: float) -> Snapshot | str | None:
    """The snapshot of a successful scrape, why its page is unreadable, or None for a failed scrape."""
    if result.text is None:
        return None
    try:
        return parse_snapshot(result.text, ts)
    except ValueError as error:
        return f"unreadable metrics: {error}"


@dataclass
class NodeState:
    name: str
    last_scrape_at: float | None = None
    last_success_at: float | None = None
    last_duration: float | None = None
    last_error: str | None = None
    snapshot: Snapshot | None = None
    metrics: NodeMetrics | None = None

    def record(self, result: ScrapeResult, ts: float, parsed: Snapshot | str | None = None) -> None:
        """Fold a scrape result in; a page that does not parse counts as a failed scrape. `parsed` is
        `parse_result(result, ts)` when the caller parsed it already (off the event loop)."""
        self.last_scrape_at = ts
        self.last_duration = result.duration
        if result.text is None:
            self.last_error = result.error
            return
        snapshot = parse_result(result, ts) if parsed is None else parsed
        if not isinstance(snapshot, Snapshot):  # why the page is unreadable (None: no page, ruled out above)
            self.last_error = snapshot
            return
        self.metrics = derive(self.snapshot, snapshot)
        self.snapshot = snapshot
        self.last_success_at = ts
        self.last_error = None

    def status(self, now: float, interval: float) -> tuple[Status, str | None]:
        """The status and, unless online, the reason in words."""
        if self.last_scrape_at is None:
            return "unknown", "not scraped yet"
        if self.last_error is not None:
            return "offline", self.last_error
        if self.last_success_at is None or now - self.last_success_at > STALE_INTERVALS * interval:
            age = "never" if self.last_success_at is None else f"{now - self.last_success_at:.0f} s ago"
            return "offline", f"no fresh data (last success {age})"
        return "online", None
