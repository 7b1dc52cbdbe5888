"""Metric history in SQLite: batched writes, retention, downsampling, range queries.

Raw samples are kept for `raw_keep` seconds; older ones are replaced by one average per bucket; rows older
than the retention go. All functions take `now` so tests drive time with their own clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, select
from sqlalchemy.orm import Session

from webapi.monitoring.collection.derive import NodeMetrics
from webapi.monitoring.collection.tables import RAW, SampleRow

HISTORY_METRICS = (
    "cpu_percent",
    "memory_percent",
    "disk_percent",
    "temperature_celsius",
    "load1",
    "network_rx_bps",
    "network_tx_bps",
)
MAX_POINTS = 2000


@dataclass(frozen=True)
class CompactResult:
    downsampled: int
    expired: int


def sample_rows(metrics: Mapping[str, NodeMetrics]) -> list[dict[str, object]]:
    """One row per known value; unknown (None) values are not history."""
    rows: list[dict[str, object]] = []
    for node, node_metrics in metrics.items():
        for name in HISTORY_METRICS:
            value = getattr(node_metrics, name)
            if value is not None:
                rows.append(
                    {"node": node, "metric": name, "ts": node_metrics.ts, "value": value, "resolution": RAW}
                )
    return rows


def write(session: Session, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(SampleRow), rows)
        session.commit()


def compact(session: Session, now: float, raw_keep: float, bucket: int, retention: float) -> CompactResult:
    """Average raw rows older than `raw_keep` into whole buckets, then drop rows older than `retention`."""
    cutoff = (now - raw_keep) // bucket * bucket
    sums: dict[tuple[str, str, float], list[float]] = defaultdict(lambda: [0.0, 0])
    old_raw = select(SampleRow.node, SampleRow.metric, SampleRow.ts, SampleRow.value).where(
        SampleRow.resolution == RAW, SampleRow.ts < cutoff
    )
    for node, metric, ts, value in session.execute(old_raw):
        acc = sums[(node, metric, ts // bucket * bucket)]
        acc[0] += value
        acc[1] += 1
    if sums:
        session.execute(
            insert(SampleRow),
            [
                {"node": n, "metric": m, "ts": ts, "value": total / count, "resolution": bucket}
                for (n, m, ts), (total, count) in sums.items()
            ],
        )
        session.execute(delete(SampleRow).where(SampleRow.resolution == RAW, SampleRow.ts < cutoff))
    # A DML statement's result is a CursorResult (it has the rowcount); execute() is typed for any statement.
    expired = cast(
        CursorResult[Any], session.execute(delete(SampleRow).where(SampleRow.ts < now - retention))
    ).rowcount
    session.commit()
    return CompactResult(downsampled=len(sums), expired=expired or 0)


def query(
    session: Session, node: str, metric: str, since: float, until: float, *, step: float | None = None
) -> list[tuple[float, float]]:
    """Points of one series in [since, until], averaged into `step`-wide buckets when a step is given
    (and always bounded to MAX_POINTS points)."""
    rows = session.execute(
        select(SampleRow.ts, SampleRow.value)
        .where(
            SampleRow.node == node, SampleRow.metric == metric, SampleRow.ts >= since, SampleRow.ts <= until
        )
        .order_by(SampleRow.ts)
    ).all()
    width = max(step or 0.0, (until - since) / MAX_POINTS)
    if width <= 0 or (step is None and len(rows) <= MAX_POINTS):
        return [(ts, value) for ts, value in rows]
    buckets: dict[float, list[float]] = defaultdict(list)
    for ts, value in rows:
        buckets[since + (ts - since) // width * width].append(value)
    return [(ts, sum(values) / len(values)) for ts, values in sorted(buckets.items())]


def iter_samples(
    session: Session, since: float, until: float, node: str | None
) -> Iterator[tuple[str, str, float, float, int]]:
    """Every stored row in the window, in time order, streamed from the database."""
    statement = (
        select(SampleRow.node, SampleRow.metric, SampleRow.ts, SampleRow.value, SampleRow.resolution)
        .where(SampleRow.ts >= since, SampleRow.ts <= until)
        .order_by(SampleRow.ts, SampleRow.node, SampleRow.metric)
        .execution_options(yield_per=1000)
    )
    if node is not None:
        statement = statement.where(SampleRow.node == node)
    for row in session.execute(statement):
        yield row.node, row.metric, row.ts, row.value, row.resolution
