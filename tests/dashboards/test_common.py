from __future__ import annotations

from dashboards.common import DATASOURCE, Layout, gauge, stat, timeseries


def test_layout_wraps_at_the_grid_width_and_stacks_rows():
    a, b, c = (stat(t, "vector(1)", "none") for t in "abc")
    d = timeseries("d", [("vector(1)", "")], "none")
    layout = Layout().row("first", (a, 16, 4), (b, 8, 6), (c, 12, 3)).row("second", (d, 24, 8))
    positions = [(p.title, p.gridPos.x, p.gridPos.y, p.gridPos.w, p.gridPos.h) for p in layout.panels]
    assert positions == [
        ("first", 0, 0, 24, 1),
        ("a", 0, 1, 16, 4),
        ("b", 16, 1, 8, 6),
        ("c", 0, 7, 12, 3),
        ("second", 0, 10, 24, 1),
        ("d", 0, 11, 24, 8),
    ]


def test_panels_query_through_the_datasource_variable():
    panel = gauge("g", "vector(50)").to_json_data()
    assert panel["datasource"] == DATASOURCE
    assert panel["targets"][0].to_json_data()["datasource"] == DATASOURCE
    assert panel["targets"][0].to_json_data()["instant"] is True


def test_stacked_timeseries_sets_normal_stacking():
    data = timeseries("t", [("vector(1)", "x")], "bytes", stacked=True).to_json_data()
    assert data["fieldConfig"]["defaults"]["custom"]["stacking"] == {"mode": "normal", "group": "A"}
    assert data["fieldConfig"]["defaults"]["min"] == 0
