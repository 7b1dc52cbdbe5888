"""History export as a streamed file (CSV or JSON), row by row straight from the database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Literal

from webapi.core.runtime import Runtime
from webapi.core.timefmt import utc_from_unix
from webapi.monitoring.collection import history

ExportFormat = Literal["csv", "json"]
COLUMNS = ("timestamp", "node", "metric", "value", "resolution_seconds")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _rows(runtime: Runtime, since: float, until: float, node: str | None) -> Iterator[tuple[object, ...]]:
    with runtime.sessions() as session:
        for name, metric, ts, value, resolution in history.iter_samples(session, since, until, node):
            yield utc_from_unix(ts).isoformat(), name, metric, value, resolution


def csv_chunks(runtime: Runtime, since: float, until: float, node: str | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for count, row in enumerate(_rows(runtime, since, until, node), start=1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(runtime: Runtime, since: float, until: float, node: str | None) -> Iterator[str]:
    header = {
        "since": utc_from_unix(since).isoformat(),
        "until": utc_from_unix(until).isoformat(),
        "node": node,
    }
    yield json.dumps(header)[:-1] + ', "samples": ['
    for index, row in enumerate(_rows(runtime, since, until, node)):
        yield ("," if index else "") + json.dumps(dict(zip(COLUMNS, row, strict=True)))
    yield "]}\n"


def filename(fmt: ExportFormat, since: float, until: float, node: str | None) -> str:
    span = f"{utc_from_unix(since):%Y%m%dT%H%M%SZ}-{utc_from_unix(until):%Y%m%dT%H%M%SZ}"
    return f"dispycluster-{node or 'all'}-{span}.{fmt}"
