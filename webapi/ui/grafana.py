"""Links from the pages into the generated Grafana dashboards (when DISPYCLUSTER_GRAFANA_URL is set)."""

from __future__ import annotations

from dashboards.jobs import UID as JOBS_UID
from dashboards.node import UID as NODE_UID
from dashboards.overview import UID as OVERVIEW_UID


def dashboard_links(base_url: str | None) -> dict[str, str]:
    """Dashboard URLs by page section; the node one takes `?var-instance=<exporter host:port>`."""
    if base_url is None:
        return {}
    return {
        "overview": f"{base_url}/d/{OVERVIEW_UID}",
        "jobs": f"{base_url}/d/{JOBS_UID}",
        "node": f"{base_url}/d/{NODE_UID}",
    }
