"""History from Prometheus's `query_range` instead of SQLite (when `DISPYCLUSTER_PROMETHEUS_URL` is set).

The expressions are the alert signals' PromQL (`alerts.signals`) plus load and network rates, so the
figures match what the rules see. Series are matched to inventory nodes by their `node` target label
(set by `/api/cluster/targets`) or, failing that, by `instance` = the node's exporter address.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from alerts.signals import NODE, SIGNALS

_NET = f'{NODE},device!="lo"'
EXPRESSIONS: dict[str, str] = {
    "cpu_percent": SIGNALS["cpu_percent"],
    "memory_percent": SIGNALS["memory_percent"],
    "disk_percent": SIGNALS["disk_percent"],
    "temperature_celsius": SIGNALS["temperature_celsius"],
    "load1": f"node_load1{{{NODE}}}",
    "network_rx_bps": f"sum without (device) (rate(node_network_receive_bytes_total{{{_NET}}}[2m]))",
    "network_tx_bps": f"sum without (device) (rate(node_network_transmit_bytes_total{{{_NET}}}[2m]))",
}
MAX_POINTS = 500


class PrometheusError(RuntimeError):
    """Prometheus could not answer; the message says why."""


def default_step(since: float, until: float) -> float:
    return max(1.0, math.ceil((until - since) / MAX_POINTS))


@dataclass(frozen=True)
class Window:
    since: float
    until: float
    step: float


def query_range(
    base_url: str, metric: str, window: Window, timeout: float
) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """(labels, points) of every series Prometheus has for `metric` in the window."""
    params: dict[str, str | float] = {
        "query": EXPRESSIONS[metric],
        "start": window.since,
        "end": window.until,
        "step": window.step,
    }
    try:
        response = httpx.get(
            f"{base_url}/api/v1/query_range", params=params, timeout=timeout, trust_env=False
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise PrometheusError(f"Prometheus at {base_url} did not answer: {type(error).__name__}") from None
    if response.status_code != 200 or body.get("status") != "success":
        raise PrometheusError(f"Prometheus refused the query: {body.get('error', response.status_code)}")
    return [
        (series["metric"], [(float(ts), float(value)) for ts, value in series["values"]])
        for series in body["data"]["result"]
    ]


def node_of(labels: Mapping[str, str], by_exporter: Mapping[str, str]) -> str | None:
    return labels.get("node") or by_exporter.get(labels.get("instance", ""))
