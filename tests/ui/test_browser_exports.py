"""The Monitoring page's export buttons download the stored history: CSV for a node, JSON for the cluster."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COLUMNS = ["timestamp", "node", "metric", "value", "resolution_seconds"]
# Metrics every exporter reports on Linux, so the local node always has samples of them.
ALWAYS = {"cpu_percent", "memory_percent", "disk_percent"}


def _download(ui, button: str) -> tuple[str, str, str]:
    """Clicks an export button; answers the file's name, the Content-Type its URL serves and its text."""
    with ui.page.expect_download() as started:
        ui.page.click(button)
    download = started.value
    text = download.path().read_text(encoding="utf-8")
    # A download fires no response event in the page: the same URL, asked again, shows the headers.
    again = ui.stack.api.get(download.url)
    assert again.status_code == 200, again.text
    assert f'filename="{download.suggested_filename}"' in again.headers["content-disposition"]
    return download.suggested_filename, again.headers["content-type"], text


def _recent(timestamp: str) -> bool:
    moment = datetime.fromisoformat(timestamp)
    return datetime.now(UTC) - timedelta(hours=1, minutes=5) <= moment <= datetime.now(UTC)


def _check_samples(samples: list[dict[str, object]]) -> None:
    local = [sample for sample in samples if sample["node"] == "local"]
    assert {sample["metric"] for sample in local} >= ALWAYS
    assert all(_recent(str(sample["timestamp"])) for sample in samples)
    for sample in local:
        if sample["metric"] in ALWAYS:
            assert 0 <= float(sample["value"]) <= 100, sample


def test_csv_export_of_one_node(ui):
    ui.open("/monitoring")
    ui.page.wait_for_selector('#scope option[value="local"]', state="attached")
    ui.page.select_option("#scope", "local")
    name, content_type, text = _download(ui, "#export-csv")
    assert name.startswith("dispycluster-local-") and name.endswith(".csv")
    assert content_type.startswith("text/csv")
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == COLUMNS
    samples = [dict(zip(COLUMNS, row, strict=True)) for row in reader]
    assert samples, "the CSV export has no samples"
    assert {sample["node"] for sample in samples} == {"local"}
    _check_samples(samples)
    assert ui.problems.all() == []


def test_json_export_of_the_cluster(ui):
    ui.open("/monitoring")
    name, content_type, text = _download(ui, "#export-json")
    assert name.startswith("dispycluster-all-") and name.endswith(".json")
    assert content_type.startswith("application/json")
    exported = json.loads(text)
    assert set(exported) == {"since", "until", "node", "samples"}
    assert exported["node"] is None
    since, until = (datetime.fromisoformat(exported[key]) for key in ("since", "until"))
    assert until - since == timedelta(hours=1)
    assert all(set(sample) == set(COLUMNS) for sample in exported["samples"])
    _check_samples(exported["samples"])
    assert ui.problems.all() == []
