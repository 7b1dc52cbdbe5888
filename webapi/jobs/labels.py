"""Job labels: a few short `key: value` strings an operator attaches to a job, and the list filter on them.

Keys follow the Prometheus label-name rule (so that they read the same as node labels); values are short
printable text. Both are bounded: labels are stored with every job and read by every list.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from webapi.core.domain_errors import FieldProblem, InvalidError

MAX_LABELS = 16
KEY_MAX = 63
VALUE_MAX = 128
_KEY = re.compile(rf"^[A-Za-z_][A-Za-z0-9_]{{0,{KEY_MAX - 1}}}$")
# Printable, no control characters (a value is shown in the UI and in logs as is).
_VALUE = re.compile(rf"^[^\x00-\x1f\x7f]{{0,{VALUE_MAX}}}$")


def key_problem(key: str) -> str | None:
    """Why `key` is not a label name, or None."""
    if not _KEY.match(key):
        return (
            f"label name {key[: KEY_MAX + 1]!r} must start with a letter or _ and hold only letters, digits "
            f"and _ (at most {KEY_MAX} characters)"
        )
    if key.startswith("__"):
        return f"label name {key!r} must not start with __ (reserved)"
    return None


def _check(labels: dict[str, str]) -> dict[str, str]:
    for key in labels:
        if (problem := key_problem(key)) is not None:
            raise ValueError(problem)
    return labels


LabelValue = Annotated[str, StringConstraints(max_length=VALUE_MAX, pattern=_VALUE.pattern)]
Labels = Annotated[
    dict[str, LabelValue],
    Field(
        max_length=MAX_LABELS, description=f'Up to {MAX_LABELS} `key: value` pairs, e.g. {{"team": "ml"}}.'
    ),
    AfterValidator(_check),
]


def parse_filters(raw: list[str]) -> dict[str, str]:
    """`?label=key=value` (repeatable) as a mapping; `InvalidError` naming the bad one."""
    wanted: dict[str, str] = {}
    for index, item in enumerate(raw):
        key, separator, value = item.partition("=")
        problem = key_problem(key) if separator else f"{item[:80]!r} is not key=value"
        if problem is None and not _VALUE.match(value):
            problem = (
                f"label value for {key!r} is longer than {VALUE_MAX} characters or has control characters"
            )
        if problem is not None:
            message = f"Invalid label filter: {problem}"
            raise InvalidError(message, [FieldProblem(f"query.label.{index}", message)])
        if wanted.get(key, value) != value:
            message = f"Label filter names {key!r} twice with different values: no job can match"
            raise InvalidError(message, [FieldProblem(f"query.label.{index}", message)])
        wanted[key] = value
    return wanted
