"""Idempotency keys on a migrated database, without HTTP: a key used for another request is a conflict."""

from __future__ import annotations

import pytest

from webapi.core.domain_errors import ConflictError
from webapi.core.errors import http_status
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import idempotency
from webapi.jobs.idempotency import Claim


def test_a_key_answers_its_jobs_and_refuses_another_request(sessions):
    first = Claim("caller", "key-1", "hash-of-the-first-body")
    with sessions() as session:
        assert idempotency.recorded(session, first) is None
        idempotency.remember(session, [(first, [4, 5])], naive_utc_now())
        session.commit()
        assert idempotency.recorded(session, first) == [4, 5]
        with pytest.raises(ConflictError) as refused:
            idempotency.recorded(session, Claim("caller", "key-1", "hash-of-another-body"))
    assert http_status(refused.value) == 409
    assert "'key-1' was already used for another request" in refused.value.message
    with sessions() as session:  # another caller's key of the same name is another key
        assert idempotency.recorded(session, Claim("someone else", "key-1", "hash-of-another-body")) is None
