"""Unix seconds ↔ aware UTC datetimes at the API edge."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_from_unix(ts: float) -> datetime:
    """The aware UTC datetime of a Unix timestamp (not the current time)."""
    return datetime.fromtimestamp(ts, UTC)


def utc(ts: float | None) -> datetime | None:
    """`utc_from_unix`, passing None (unknown) through."""
    return None if ts is None else utc_from_unix(ts)
