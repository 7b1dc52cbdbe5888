"""Times accepted from clients: any ISO 8601 time (naive means UTC) that Python and the databases hold.

Python's calendar ends at years 1 and 9999, and an offset can push a time past either end on the way to
UTC (`0001-01-01T00:00:00+14:00`); arithmetic on a time (a day before, a backoff after) needs room too.
So a time must fall, in UTC, within `EARLIEST`..`LATEST`, or the request is a 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
RANGE_TEXT = "between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z (in UTC)"


def within_calendar(value: datetime) -> datetime:
    try:
        as_utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError(f"must be {RANGE_TEXT}") from None
    if not EARLIEST <= as_utc <= LATEST:
        raise ValueError(f"must be {RANGE_TEXT}")
    return value


ApiTime = Annotated[datetime, AfterValidator(within_calendar)]
