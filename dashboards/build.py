"""Render the dashboards to JSON: `dispycluster dashboards --out DIR` (committed copy in
`dashboards/generated/`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grafanalib._gen import DashboardEncoder
from grafanalib.core import Dashboard

from dashboards import jobs, node, overview

DEFAULT_OUT = Path(__file__).parent / "generated"

# File name (without .json) → builder. The file names are what Grafana's file provider loads.
DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "cluster-overview": overview.build,
    "node-detail": node.build,
    "jobs": jobs.build,
}


def dashboard_json(build: Callable[[], Dashboard]) -> dict[str, Any]:
    """The dashboard as plain JSON data (grafanalib objects fully encoded)."""
    data: dict[str, Any] = json.loads(json.dumps(build().to_json_data(), cls=DashboardEncoder))
    return data


def render_dashboards() -> dict[str, str]:
    """File name → JSON text of every dashboard, stable across runs (sorted keys)."""
    return {
        f"{name}.json": json.dumps(dashboard_json(build), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        for name, build in DASHBOARDS.items()
    }


def write_dashboards(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_dashboards().items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
