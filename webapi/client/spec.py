"""The body of `POST /api/jobs` from the command line: parameters typed by the job type's JSON Schema."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from webapi.client.connection import UsageError
from webapi.client.http import JsonObject

# The longest job name the API takes (JobCreate.name).
MAX_NAME = 200


def parse_pairs(values: Sequence[str], flag: str) -> dict[str, str]:
    """`KEY=VALUE` arguments as a dict (a later key wins); the value may contain `=`."""
    pairs: dict[str, str] = {}
    for value in values:
        key, separator, rest = value.partition("=")
        if not separator or not key:
            raise UsageError(f"{flag} takes KEY=VALUE, not {value!r}")
        pairs[key] = rest
    return pairs


def _types(schema: JsonObject) -> set[str]:
    """The JSON types a property schema allows (`type`, or the branches of `anyOf`), `null` left out."""
    found: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        found.add(declared)
    elif isinstance(declared, list):
        found.update(kind for kind in declared if isinstance(kind, str))
    for branch in schema.get("anyOf", []):
        if isinstance(branch, dict):
            found |= _types(branch)
    return found - {"null"}


def param_value(raw: str, schema: JsonObject | None) -> Any:
    """A `--param` value: as typed for a string property, else JSON (`3`, `true`, `["a"]`), else text."""
    if schema is not None and _types(schema) == {"string"}:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _params_json(text: str) -> JsonObject:
    """`--params-json`: a JSON object, inline or `@file`."""
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text()
        except OSError as error:
            raise UsageError(f"--params-json: cannot read {path}: {error.strerror}") from None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise UsageError(f"--params-json is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise UsageError("--params-json must be a JSON object")
    return value


def parameters(
    type_name: str,
    schema: JsonObject,
    params_json: str | None,
    params: Sequence[str],
    command: Sequence[str],
) -> JsonObject:
    """The job's parameters: `--params-json`, then each `--param` over it, then the command line after
    `--` as the `command` array of types that have one (such as `processing`)."""
    result = _params_json(params_json) if params_json is not None else {}
    properties: JsonObject = schema.get("properties", {})
    for key, raw in parse_pairs(params, "--param").items():
        result[key] = param_value(raw, properties.get(key))
    if command:
        if "array" not in _types(properties.get("command", {})):
            raise UsageError(
                f"job type {type_name!r} takes no command line after `--`: give its parameters with "
                "--param KEY=VALUE or --params-json"
            )
        result["command"] = list(command)
    return result


def default_name(type_name: str, command: Sequence[str]) -> str:
    return shlex.join(command)[:MAX_NAME] if command else type_name


def job_spec(
    *,
    type_name: str,
    name: str,
    parameters: JsonObject,
    priority: int | None = None,
    timeout_s: float | None = None,
    max_retries: int | None = None,
    labels: dict[str, str] | None = None,
    nodes: Sequence[str] = (),
    label_match: dict[str, str] | None = None,
) -> JsonObject:
    """The request body; optional fields only when given, so the service's defaults apply."""
    spec: JsonObject = {"name": name, "type": type_name, "parameters": parameters}
    optional = {"priority": priority, "timeout_s": timeout_s, "max_retries": max_retries}
    spec.update({key: value for key, value in optional.items() if value is not None})
    if labels:
        spec["labels"] = labels
    placement: JsonObject = {}
    if nodes:
        placement["nodes"] = list(nodes)
    if label_match:
        placement["labels"] = label_match
    if placement:
        spec["placement"] = placement
    return spec
