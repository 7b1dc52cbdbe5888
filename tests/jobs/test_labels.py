"""The `?label=` list filter, without HTTP: a bad filter is an `InvalidError` naming its place."""

from __future__ import annotations

import pytest

from webapi.core.domain_errors import InvalidError
from webapi.jobs.labels import parse_filters


def test_filters_become_a_mapping():
    assert parse_filters(["team=ml", "note=a = b", "team=ml"]) == {"team": "ml", "note": "a = b"}


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (["team=ml", "nokey"], "is not key=value"),
        (["team=ml", "__x=1"], "must not start with __"),
        (["team=ml", "9a=1"], "must start with a letter"),
        (["team=ml", "a=\x01"], "control characters"),
        (["team=ml", "team=cv"], "twice with different values"),
    ],
)
def test_a_bad_filter_is_invalid_naming_it(raw, problem):
    with pytest.raises(InvalidError) as refused:
        parse_filters(raw)
    [field] = refused.value.fields
    assert field.loc == "query.label.1" and problem in field.message
    assert refused.value.message == field.message
