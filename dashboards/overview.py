"""Cluster overview: every node at a glance, the jobs and the firing alerts.

Built on the recording rules of `alerts.recording` (so Prometheus must load `alerts/generated/`), except
for `up`, `ALERTS` and the service's gauges, which are cheap.
"""

from __future__ import annotations

from grafanalib.core import Dashboard

from alerts.recording import SIGNAL_RECORDS
from alerts.signals import NODE, SERVICE
from dashboards.common import Layout, dashboard, gauge, stat, steps, timeseries

UID = "dispycluster-overview"
BY_NODE = "{{instance}}"
RED_FROM_1 = steps(("green", None), ("red", 1))


def build() -> Dashboard:
    layout = Layout()
    layout.row(
        "Cluster",
        (stat("Nodes up", f"sum(up{{{NODE}}})", "none"), 4, 4),
        (stat("Nodes down", f"count(up{{{NODE}}} == 0) or vector(0)", "none", thresholds=RED_FROM_1), 4, 4),
        (stat("CPUs", "sum(instance:node_num_cpu:sum)", "none"), 4, 4),
        (
            stat(
                "Firing alerts",
                'count(ALERTS{alertstate="firing"}) or vector(0)',
                "none",
                thresholds=RED_FROM_1,
            ),
            4,
            4,
        ),
        (gauge("Cluster CPU busy", "job:node_cpu_busy:percent"), 4, 4),
        (gauge("Cluster memory used", "job:node_memory_used:percent"), 4, 4),
    )
    layout.row(
        "Nodes",
        (timeseries("CPU busy", [(SIGNAL_RECORDS["cpu_percent"], BY_NODE)], "percent", max_value=100), 12, 8),
        (
            timeseries(
                "Memory used", [(SIGNAL_RECORDS["memory_percent"], BY_NODE)], "percent", max_value=100
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Root filesystem used", [(SIGNAL_RECORDS["disk_percent"], BY_NODE)], "percent", max_value=100
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Hottest sensor",
                [(SIGNAL_RECORDS["temperature_celsius"], BY_NODE)],
                "celsius",
                description="A Raspberry Pi throttles at 80 °C.",
                thresholds=steps(("green", None), ("orange", 70), ("red", 80)),
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Load per CPU",
                [("instance:node_load1_per_cpu:ratio", BY_NODE)],
                "none",
                description="1-minute load average divided by the number of CPUs; above 1 means waiting.",
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Network traffic",
                [
                    ("instance:node_network_receive_bytes:rate5m", "in {{instance}}"),
                    ("-instance:node_network_transmit_bytes:rate5m", "out {{instance}}"),
                ],
                "Bps",
                description="Received above the axis, transmitted below; loopback excluded.",
            ),
            12,
            8,
        ),
    )
    layout.row(
        "Jobs",
        (stat("Queued", f"sum(dispycluster_jobs_queued{{{SERVICE}}})", "none"), 4, 4),
        (stat("Running", f"sum(dispycluster_jobs_running{{{SERVICE}}})", "none"), 4, 4),
        (
            stat(
                "Web service",
                f"min(up{{{SERVICE}}})",
                "none",
                thresholds=steps(("red", None), ("green", 1)),
                description="1 when Prometheus can scrape the service's /metrics.",
            ),
            4,
            4,
        ),
        (
            timeseries(
                "Queue depth",
                [
                    (f"sum(dispycluster_jobs_queued{{{SERVICE}}})", "queued"),
                    (f"sum(dispycluster_jobs_running{{{SERVICE}}})", "running"),
                ],
                "none",
            ),
            12,
            4,
        ),
        (
            timeseries(
                "Jobs finished by state",
                [("sum by (status) (type_status:dispycluster_jobs_finished:rate5m)", "{{status}}")],
                "ops",
                stacked=True,
            ),
            12,
            8,
        ),
        (
            timeseries(
                "Throughput",
                [
                    ("sum(type:dispycluster_jobs_submitted:rate5m)", "submitted"),
                    ("sum(type_status:dispycluster_jobs_finished:rate5m)", "finished"),
                ],
                "ops",
            ),
            6,
            8,
        ),
        (
            timeseries(
                "Run time (p95) by type",
                [("type:dispycluster_job_run_seconds:p95_5m", "{{type}}")],
                "s",
            ),
            6,
            8,
        ),
    )
    layout.row(
        "Alerts",
        (
            timeseries(
                "Firing alerts by severity",
                [('sum by (severity) (ALERTS{alertstate="firing"}) or vector(0)', "{{severity}}")],
                "none",
                stacked=True,
            ),
            12,
            6,
        ),
        (
            timeseries(
                "Firing alerts by name",
                [('count by (alertname) (ALERTS{alertstate="firing"}) or vector(0)', "{{alertname}}")],
                "none",
                stacked=True,
            ),
            12,
            6,
        ),
    )
    return dashboard(
        "DispyCluster / Cluster overview",
        UID,
        "Nodes, resources, jobs and alerts of the whole cluster.",
        layout,
    )
