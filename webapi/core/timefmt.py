"""Times at the API edge and in the database: Unix seconds ↔ aware UTC datetimes, naive UTC (as the tables
store it), and the rendering of API times (ISO 8601 with a Z)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer


def utc_from_unix(ts: float) -> datetime:
    """The aware UTC datetime of a Unix timestamp (not the current time)."""
    return datetime.fromtimestamp(ts, UTC)


def utc(ts: float | None) -> datetime | None:
    """`utc_from_unix`, passing None (unknown) through."""
    return None if ts is None else utc_from_unix(ts)


def naive_utc_now() -> datetime:
    """The current time in UTC without tzinfo, as the tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    """Database form: naive UTC (a naive input is taken as UTC already)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _render(value: datetime) -> str:
    return to_naive_utc(value).isoformat(timespec="milliseconds") + "Z"


UtcTime = Annotated[datetime, PlainSerializer(_render, return_type=str)]
