"""What the collector knows about each node right now, and the status rule.

A node is `unknown` before its first scrape, `online` when its last scrape succeeded and its data is
fresh, `offline` when its last scrape failed or its data is older than three intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from webapi.collection.derive import NodeMetrics, derive
from webapi.collection.parse import Snapshot, parse_snapshot
from webapi.collection.scrape import ScrapeResult

Status = Literal["online", "offline", "unknown"]
STALE_INTERVALS = 3


@dataclass
class NodeState:
    name: str
    last_scrape_at: float | None = None
    last_success_at: float | None = None
    last_duration: float | None = None
    last_error: str | None = None
    snapshot: Snapshot | None = None
    metrics: NodeMetrics | None = None

    def record(self, result: ScrapeResult, ts: float) -> None:
        """Fold a scrape result in; a page that does not parse counts as a failed scrape."""
        self.last_scrape_at = ts
        self.last_duration = result.duration
        if result.text is None:
            self.last_error = result.error
            return
        try:
            snapshot = parse_snapshot(result.text, ts)
        except ValueError as error:
            self.last_error = f"unreadable metrics: {error}"
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
