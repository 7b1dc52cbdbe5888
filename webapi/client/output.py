"""What the client prints: JSON for scripts, tables and key/value lists for people, job logs by stream.

Data goes to stdout; messages (a job's end, a lost connection, errors) go to stderr, so that
`dispycluster job logs 12 > out.txt` captures the program's output alone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from webapi.client.http import JsonObject

NAME_WIDTH = 40
# `show` lists these first, in this order; whatever else the service sends follows.
DETAIL_ORDER = (
    "id", "name", "type", "status", "waiting_reason", "error", "node", "priority", "attempts", "max_retries",
    "labels", "placement", "created_at", "scheduled_at", "started_at", "finished_at", "timeout_s",
    "progress", "progress_message", "cancel_requested", "parameters", "result",
)  # fmt: skip


def print_json(value: Any, out: TextIO | None = None) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False), file=out or sys.stdout)


def message(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _time(value: str | None) -> str:
    """`2026-11-29T21:39:02.123Z` → `2026-11-29 21:39:02` (the header says UTC)."""
    return value[:19].replace("T", " ") if value else "-"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, the last one unpadded."""
    lines = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(headers) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(line, widths, strict=False)), line[-1]])
        for line in lines
    )


def _labels(job: JsonObject) -> str:
    labels = job.get("labels") or {}
    return ",".join(f"{key}={value}" for key, value in labels.items()) or "-"


def job_table(jobs: Sequence[JsonObject]) -> str:
    """`job list`: a LABELS column when any job has labels."""
    with_labels = any(job.get("labels") for job in jobs)
    headers = ["ID", "STATUS", "TYPE", "NODE", "TRIES", "CREATED (UTC)", "NAME"]
    if with_labels:
        headers.insert(-1, "LABELS")
    rows = []
    for job in jobs:
        row = [
            str(job["id"]),
            job["status"],
            job["type"],
            job.get("node") or "-",
            str(job["attempts"]),
            _time(job.get("created_at")),
            _shorten(job["name"], NAME_WIDTH),
        ]
        if with_labels:
            row.insert(-1, _labels(job))
        rows.append(row)
    return table(headers, rows)


def details(record: JsonObject, order: Sequence[str] = DETAIL_ORDER) -> str:
    """`key: value` lines, the known keys first; continuation lines of a long text indented."""
    keys = [key for key in order if key in record] + [key for key in record if key not in order]
    width = max((len(key) for key in keys), default=0) + 1
    lines = []
    for key in keys:
        text = _cell(record[key]).replace("\n", "\n" + " " * (width + 1))
        lines.append(f"{key + ':':<{width}} {text}")
    return "\n".join(lines)


def ending(job: JsonObject) -> str:
    """The line that says how a waited-for job ended."""
    text = f"job {job['id']} {job['status']}"
    if job.get("node"):
        text += f" on {job['node']}"
    if job.get("error"):
        text += f": {job['error']}"
    return text


def node_state(node: JsonObject) -> str:
    """`node drain|resume`: whether the node takes new jobs, and why not."""
    if node.get("schedulable", True):
        return f"node {node['name']}: schedulable (status {node.get('status', 'unknown')})"
    reason = node.get("unschedulable_reason") or "no reason given"
    return f"node {node['name']}: not schedulable: {reason}"


class LogPrinter:
    """Writes log lines as they arrive: the program's stdout to stdout, its stderr to stderr, the
    service's own lines (retries, progress, truncation) to stderr marked with their stream."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def write(self, lines: Iterable[JsonObject]) -> None:
        for line in lines:
            stream = line.get("stream")
            target = self.out if stream == "stdout" else self.err
            text = line["text"] if stream in ("stdout", "stderr") else f"[{stream}] {line['text']}"
            print(text, file=target)
            # Piped output is block-buffered: a follower must see each line when it comes, and the
            # two streams in the order the job wrote them.
            target.flush()
