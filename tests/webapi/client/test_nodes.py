"""`node drain --until`: a duration or a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webapi.client.connection import UsageError
from webapi.client.nodes import parse_until

NOW = datetime(2026, 11, 29, 22, 0, 0, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", "2026-11-29T22:01:30Z"),
        ("30m", "2026-11-29T22:30:00Z"),
        ("2h", "2026-11-30T00:00:00Z"),
        ("1d12h", "2026-12-01T10:00:00Z"),
    ],
)
def test_a_duration_counts_from_now_in_utc(text, expected):
    assert parse_until(text, NOW) == expected
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_until(text, paris) == expected


@pytest.mark.parametrize("text", ["2026-12-01T08:00:00Z", "2026-12-01T08:00", "2026-12-01T08:00:00+01:00"])
def test_an_iso_time_is_sent_as_written(text):
    assert parse_until(text, NOW) == text


@pytest.mark.parametrize("text", ["tomorrow", "2h30", "", "12", "-1h"])
def test_anything_else_says_what_is_expected(text):
    with pytest.raises(UsageError, match=r"a duration .* or an ISO 8601 time"):
        parse_until(text, NOW)


def test_a_duration_beyond_the_calendar_is_refused():
    with pytest.raises(UsageError, match="too far away"):
        parse_until("99999999999d", NOW)
