"""The generated dashboard JSON: committed copy up to date, and structurally sound for Grafana."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dashboards.build import DASHBOARDS, DEFAULT_OUT, render_dashboards, write_dashboards
from dashboards.common import DATASOURCE, GRID_WIDTH, SCHEMA_VERSION

PANEL_TYPES = {"row", "timeseries", "stat", "gauge"}
RENDERED = {name: json.loads(text) for name, text in render_dashboards().items()}


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_committed_json_is_up_to_date():
    committed = sorted(p.name for p in DEFAULT_OUT.glob("*.json"))
    assert committed == sorted(RENDERED), (
        "dashboards/generated has extra or missing files: run `make dashboards`"
    )
    for name, text in render_dashboards().items():
        assert (DEFAULT_OUT / name).read_text(encoding="utf-8") == text, (
            f"dashboards/generated/{name} is stale: run `make dashboards` and commit the result"
        )


def test_write_dashboards_writes_every_dashboard(tmp_path: Path):
    paths = write_dashboards(tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(f"{n}.json" for n in DASHBOARDS)
    for path in paths:
        assert json.loads(path.read_text(encoding="utf-8"))["uid"]


def test_uids_and_titles_are_unique():
    uids = [d["uid"] for d in RENDERED.values()]
    titles = [d["title"] for d in RENDERED.values()]
    assert len(set(uids)) == len(uids) and all(uids)
    assert len(set(titles)) == len(titles)
    assert all(len(uid) <= 40 for uid in uids)  # Grafana's limit


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_modern_schema_and_panel_types(name: str):
    dashboard = RENDERED[name]
    assert dashboard["schemaVersion"] >= SCHEMA_VERSION >= 39
    assert {p["type"] for p in dashboard["panels"]} <= PANEL_TYPES
    assert {"timeseries", "stat"} <= {p["type"] for p in dashboard["panels"]}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_panel_ids_are_unique(name: str):
    ids = [p["id"] for p in RENDERED[name]["panels"]]
    assert all(isinstance(i, int) for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_grid_positions_fit_and_never_overlap(name: str):
    taken: dict[tuple[int, int], str] = {}
    for panel in RENDERED[name]["panels"]:
        pos = panel["gridPos"]
        assert pos["w"] > 0 and pos["h"] > 0
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= GRID_WIDTH, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in taken, f"{panel['title']!r} overlaps {taken[(x, y)]!r}"
                taken[(x, y)] = panel["title"]


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_every_datasource_reference_is_the_variable(name: str):
    dashboard = RENDERED[name]
    variables = dashboard["templating"]["list"]
    ds_vars = [v for v in variables if v["type"] == "datasource"]
    assert [(v["name"], v["query"]) for v in ds_vars] == [("datasource", "prometheus")]
    for variable in variables:
        if variable["type"] == "query":
            assert variable["datasource"] == DATASOURCE, variable["name"]
    for panel in _panels(dashboard):
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
    # Import-time placeholders are never resolved by file provisioning.
    assert "${DS_" not in json.dumps(dashboard)
    assert not dashboard["__inputs"]


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_targets_have_queries_and_distinct_ref_ids(name: str):
    for panel in _panels(RENDERED[name]):
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids), panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_units_and_titles_are_set(name: str):
    for panel in _panels(RENDERED[name]):
        assert panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_current_value_panels_reduce_to_the_last_value(name: str):
    # grafanalib's default reducer is the mean over the range, which is wrong for "now" figures.
    for panel in RENDERED[name]["panels"]:
        if panel["type"] in {"stat", "gauge"}:
            assert panel["options"]["reduceOptions"]["calcs"] == ["lastNotNull"], panel["title"]


def test_node_detail_variables_come_from_node_uname_info():
    variables = {v["name"]: v for v in RENDERED["node-detail.json"]["templating"]["list"]}
    assert variables["job"]["query"] == "label_values(node_uname_info, job)"
    assert variables["instance"]["query"] == 'label_values(node_uname_info{job="$job"}, instance)'
    for panel in _panels(RENDERED["node-detail.json"]):
        for target in panel["targets"]:
            selectors = re.findall(r"\{([^}]*)\}", target["expr"])
            assert selectors and all('instance="$instance"' in s for s in selectors), target["expr"]


def test_cli_writes_the_dashboards(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "webapi.cli", "dashboards", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(RENDERED)
