"""Unix seconds ↔ aware UTC datetimes at the API edge."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def utc_now(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
