"""The intake's refusals, without HTTP: an item's errors point into the batch and keep their kind."""

from __future__ import annotations

import pytest

from webapi.core.domain_errors import FieldProblem, ForbiddenError, GoneError, InvalidError
from webapi.core.errors import http_status
from webapi.jobs.intake import FIELDS_MAX, Accepted, combined, relocated


def test_a_single_submission_keeps_its_error_as_it_is():
    error = InvalidError("bad", [FieldProblem("body.type", "unknown")])
    assert relocated(error, "body") is error


def test_an_item_error_points_into_its_item_and_keeps_its_kind():
    moved = relocated(InvalidError("bad", [FieldProblem("body.parameters.x", "too big")]), "body.jobs.3")
    assert type(moved) is InvalidError
    assert moved.message == "body.jobs.3: bad"
    assert moved.fields == [FieldProblem("body.jobs.3.parameters.x", "too big")]
    bare = relocated(ForbiddenError("processing is off"), "body.jobs.0")
    assert type(bare) is ForbiddenError
    assert bare.fields == [FieldProblem("body.jobs.0", "processing is off")]


def test_a_batch_error_is_of_the_first_kind_and_names_every_item_up_to_a_limit():
    errors = [
        relocated(InvalidError(f"bad {i}", [FieldProblem("body.priority", "too high")]), f"body.jobs.{i}")
        for i in range(FIELDS_MAX + 5)
    ]
    one = combined(errors)
    assert http_status(one) == 422
    assert one.message == f"body.jobs.0: bad 0 (and {FIELDS_MAX + 4} more invalid jobs)"
    assert [f.loc for f in one.fields] == [f"body.jobs.{i}.priority" for i in range(FIELDS_MAX)]
    assert http_status(combined([relocated(ForbiddenError("off"), "body.jobs.1"), *errors])) == 403
    assert combined(errors[:1]).message == "body.jobs.0: bad 0"


def test_a_replayed_key_whose_job_was_deleted_is_gone():
    assert Accepted([{"id": 7}]).job() == {"id": 7}
    with pytest.raises(GoneError) as gone:
        Accepted([], replayed=True).job()
    assert http_status(gone.value) == 410
    assert "has since been deleted" in gone.value.message
