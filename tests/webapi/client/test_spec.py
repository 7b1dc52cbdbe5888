"""The job spec built from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webapi.client.connection import UsageError
from webapi.client.spec import default_name, job_spec, parameters, parse_pairs
from webapi.jobs.tasks.processing import ProcessingParams

# The processing type's schema as the service publishes it (GET /api/jobs/types).
PROCESSING = ProcessingParams.model_json_schema()


def test_pairs_keep_equal_signs_in_values_and_the_last_key_wins():
    assert parse_pairs(["a=1", "b=x=y", "a=2", "c="], "--label") == {"a": "2", "b": "x=y", "c": ""}


@pytest.mark.parametrize("value", ["novalue", "=x"])
def test_a_pair_needs_a_key_and_an_equal_sign(value):
    with pytest.raises(UsageError, match=f"--label takes KEY=VALUE, not '{value}'"):
        parse_pairs([value], "--label")


def test_params_are_json_unless_the_schema_says_string():
    params = parameters(
        "processing", PROCESSING, None, ["stdin=42", "timeout_s=1.5", 'env={"A": "b"}'], ["ls"]
    )
    assert params == {"stdin": "42", "timeout_s": 1.5, "env": {"A": "b"}, "command": ["ls"]}


def test_a_value_that_is_no_json_stays_text():
    assert parameters("x", {}, None, ["url=http://a/b", "n=3", "flag=true"], []) == {
        "url": "http://a/b",
        "n": 3,
        "flag": True,
    }


def test_params_json_inline_or_from_a_file_then_params_over_it(tmp_path: Path):
    path = tmp_path / "params.json"
    path.write_text(json.dumps({"command": ["true"], "stdin": "a"}))
    assert parameters("processing", PROCESSING, f"@{path}", ["stdin=b"], []) == {
        "command": ["true"],
        "stdin": "b",
    }
    assert parameters("x", {}, '{"k": [1]}', [], []) == {"k": [1]}


@pytest.mark.parametrize(
    ("text", "words"),
    [("[1]", "must be a JSON object"), ("{", "is not valid JSON"), ("@/nonexistent", "cannot read")],
)
def test_bad_params_json_says_why(text, words):
    with pytest.raises(UsageError, match=words):
        parameters("x", {}, text, [], [])


def test_a_command_line_needs_a_type_with_a_command_array():
    with pytest.raises(UsageError, match="job type 'analysis' takes no command line"):
        parameters("analysis", {"properties": {"data": {"type": "array"}}}, None, [], ["ls"])


def test_the_spec_carries_only_what_was_given():
    assert job_spec(type_name="t", name="n", parameters={}) == {"name": "n", "type": "t", "parameters": {}}
    spec = job_spec(
        type_name="processing",
        name="build",
        parameters={"command": ["make"]},
        priority=9,
        timeout_s=60.0,
        max_retries=0,
        labels={"team": "ci"},
        nodes=["pi1", "pi2"],
        label_match={"arch": "arm64"},
    )
    assert spec == {
        "name": "build",
        "type": "processing",
        "parameters": {"command": ["make"]},
        "priority": 9,
        "timeout_s": 60.0,
        "max_retries": 0,
        "labels": {"team": "ci"},
        "placement": {"nodes": ["pi1", "pi2"], "labels": {"arch": "arm64"}},
    }
    assert job_spec(type_name="t", name="n", parameters={}, label_match={"a": "b"})["placement"] == {
        "labels": {"a": "b"}
    }


def test_the_default_name_is_the_command_line_shortened():
    assert default_name("processing", ["python3", "-c", "print(1)"]) == "python3 -c 'print(1)'"
    assert default_name("analysis", []) == "analysis"
    assert len(default_name("processing", ["x" * 500])) == 200
