"""`dispycluster node drain|resume NAME`: take a node out of scheduling (its running jobs finish) and
back in."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta

from webapi.client.connection import UsageError
from webapi.client.exits import ExitCode
from webapi.client.http import ApiClient, JsonObject
from webapi.client.output import node_state, print_json

_DURATION = re.compile(r"(?:\d+[smhd])+")
_PART = re.compile(r"(\d+)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_until(text: str, now: datetime) -> str:
    """`--until`: a duration from now (`90m`, `2h`, `1d12h`) or an ISO 8601 time (without an offset:
    UTC, as the API reads it); the time to send."""
    if _DURATION.fullmatch(text):
        seconds = sum(int(count) * _UNIT_S[unit] for count, unit in _PART.findall(text))
        try:
            until = now.astimezone(UTC) + timedelta(seconds=seconds)
        except OverflowError:
            raise UsageError(f"--until {text} is too far away") from None
        return until.isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--until takes a duration (30m, 2h, 1d) or an ISO 8601 time (2026-12-01T08:00Z), not {text!r}"
        ) from None
    return text


def _print(args: argparse.Namespace, node: JsonObject) -> int:
    if args.json:
        print_json(node)
    else:
        print(node_state(node))
    return ExitCode.OK


def drain(args: argparse.Namespace, api: ApiClient) -> int:
    until = parse_until(args.until, datetime.now(UTC)) if args.until is not None else None
    return _print(args, api.drain(args.name, args.reason, until))


def resume(args: argparse.Namespace, api: ApiClient) -> int:
    return _print(args, api.resume(args.name))
