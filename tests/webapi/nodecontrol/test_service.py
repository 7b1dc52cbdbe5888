"""Drain and resume without HTTP: an end in the past is an `InvalidError` naming `body.until`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapi.core.domain_errors import FieldProblem, InvalidError
from webapi.nodecontrol import service
from webapi.nodecontrol.schemas import DrainRequest


def test_a_drain_ending_in_the_past_is_invalid_and_changes_nothing(sessions):
    with sessions() as session:
        with pytest.raises(InvalidError) as refused:
            service.drain(session, "pi1", DrainRequest(reason="fan", until=datetime(2001, 1, 1, tzinfo=UTC)))
        assert refused.value.fields == [
            FieldProblem("body.until", "must be in the future (or null: until resumed)")
        ]
        assert service.drains(session) == {}
        later = datetime.now(UTC) + timedelta(hours=1)
        service.drain(session, "pi1", DrainRequest(reason="fan", until=later))
        assert service.drains(session)["pi1"].reason == "fan"
