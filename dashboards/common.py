"""Building blocks shared by the dashboards: the datasource variable, panel factories and a row layout.

Every panel and query variable points at `${datasource}` as a `{type, uid}` object, which file
provisioning resolves (unlike `${DS_…}` import placeholders). Panels are placed with `Layout`, which
fills rows of the 24-column grid left to right so positions never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grafanalib.core import (
    Dashboard,
    GaugePanel,
    GridPos,
    Panel,
    RowPanel,
    Stat,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24
REFIDS = "ABCDEFGHIJ"

Steps = list[dict[str, Any]]


def steps(*pairs: tuple[str, float | None]) -> Steps:
    """Threshold steps for `fieldConfig`; the first one's value is null (the base colour)."""
    return [{"color": color, "value": value} for color, value in pairs]


GREEN = steps(("green", None))


def datasource_variable() -> Template:
    return Template(name="datasource", label="Data source", query="prometheus", type="datasource")


def query_variable(name: str, label: str, query: str, **extra: Any) -> Template:
    return Template(
        name=name,
        label=label,
        query=query,
        dataSource=DATASOURCE,
        refresh=2,  # on time-range change: nodes come and go
        **extra,
    )


def targets(queries: Sequence[tuple[str, str]], instant: bool = False) -> list[Target]:
    return [
        Target(
            expr=expr,
            legendFormat=legend,
            refId=REFIDS[i],
            instant=instant,
            datasource=DATASOURCE,
            intervalFactor=1,
        )
        for i, (expr, legend) in enumerate(queries)
    ]


def timeseries(
    title: str,
    queries: Sequence[tuple[str, str]],
    unit: str,
    *,
    description: str = "",
    stacked: bool = False,
    max_value: int | None = None,
    thresholds: Steps = GREEN,
) -> TimeSeries:
    return TimeSeries(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=targets(queries),
        unit=unit,
        fillOpacity=30 if stacked else 10,
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none"},
        valueMin=0 if unit in {"percent", "bytes", "Bps", "bps", "s"} else None,
        valueMax=max_value,
        legendDisplayMode="list",
        tooltipMode="multi",
        thresholds=thresholds,
    )


def stat(title: str, expr: str, unit: str, *, description: str = "", thresholds: Steps = GREEN) -> Stat:
    return Stat(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=targets([(expr, "")], instant=True),
        format=unit,
        reduceCalc="lastNotNull",
        graphMode="none",
        colorMode="value",
        noValue="unknown",
        thresholds=thresholds,
    )


def gauge(title: str, expr: str, *, description: str = "", warn: float = 75, crit: float = 90) -> GaugePanel:
    """A 0 to 100 % gauge of the current value."""
    thresholds = steps(("green", None), ("orange", warn), ("red", crit))
    return GaugePanel(
        title=title,
        description=description,
        dataSource=DATASOURCE,
        targets=targets([(expr, "")], instant=True),
        format="percent",
        min=0,
        max=100,
        calc="lastNotNull",
        thresholds=thresholds,
        # grafanalib 0.7.1 writes the legacy options layout; these are the keys Grafana 8+ reads.
        extraJson={
            "options": {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "showThresholdMarkers": True,
                "showThresholdLabels": False,
            },
            "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": thresholds}}},
        },
    )


@dataclass
class Layout:
    """Places rows and panels on the grid; `panels` is the dashboard's flat panel list."""

    panels: list[Panel] = field(default_factory=list)
    _y: int = 0

    def row(self, title: str, *items: tuple[Panel, int, int]) -> Layout:
        """A row titled `title`, then `items` as (panel, width, height), wrapping at 24 columns."""
        self.panels.append(RowPanel(title=title, gridPos=GridPos(h=1, w=GRID_WIDTH, x=0, y=self._y)))
        self._y += 1
        x, line_height = 0, 0
        for panel, width, height in items:
            if x + width > GRID_WIDTH:
                self._y += line_height
                x, line_height = 0, 0
            panel.gridPos = GridPos(h=height, w=width, x=x, y=self._y)
            self.panels.append(panel)
            x += width
            line_height = max(line_height, height)
        self._y += line_height
        return self


def dashboard(
    title: str, uid: str, description: str, layout: Layout, variables: Sequence[Template] = ()
) -> Dashboard:
    return Dashboard(
        title=title,
        uid=uid,
        description=description,
        tags=["dispycluster"],
        timezone="browser",
        refresh="30s",
        time=Time("now-3h", "now"),
        schemaVersion=SCHEMA_VERSION,
        graphTooltip=1,
        editable=False,
        templating=Templating(list=[datasource_variable(), *variables]),
        panels=layout.panels,
    ).auto_panel_ids()
