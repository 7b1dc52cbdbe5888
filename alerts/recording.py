"""Recording rules: the dashboards' heavy expressions, evaluated once per interval by Prometheus.

The per-node signals are recorded from `alerts.signals`, so a dashboard panel and an alert can never
disagree on what "CPU busy" or "disk used" means.
"""

from __future__ import annotations

from alerts.signals import CPU_RATE_WINDOW, NODE, SERVICE, SIGNALS

SIGNAL_RECORDS: dict[str, str] = {
    "cpu_percent": "instance:node_cpu_busy:percent",
    "memory_percent": "instance:node_memory_used:percent",
    "disk_percent": "instance:node_root_filesystem_used:percent",
    "temperature_celsius": "instance:node_temperature_max:celsius",
}

_NET = f'{NODE},device!~"lo|veth.+"'


def _quantile(q: float, histogram: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (job, instance, type, le) "
        f"(rate({histogram}_bucket{{{SERVICE}}}[5m])))"
    )


def _network(direction: str) -> str:
    return f"sum without (device) (rate(node_network_{direction}_bytes_total{{{_NET}}}[5m]))"


RECORDING_RULES: dict[str, str] = {
    **{record: SIGNALS[signal] for signal, record in SIGNAL_RECORDS.items()},
    "instance:node_num_cpu:sum": f'count without (cpu, mode) (node_cpu_seconds_total{{{NODE},mode="idle"}})',
    # Rules of a group run in order, so this one can use the CPU count recorded just above.
    "instance:node_load1_per_cpu:ratio": f"node_load1{{{NODE}}} / instance:node_num_cpu:sum",
    "instance:node_network_receive_bytes:rate5m": _network("receive"),
    "instance:node_network_transmit_bytes:rate5m": _network("transmit"),
    # Cluster-wide figures weigh every CPU and every byte the same, not every node.
    "job:node_cpu_busy:percent": (
        "100 * (1 - sum by (job) (rate(node_cpu_seconds_total"
        f'{{{NODE},mode=~"idle|iowait"}}[{CPU_RATE_WINDOW}]))'
        f' / count by (job) (node_cpu_seconds_total{{{NODE},mode="idle"}}))'
    ),
    "job:node_memory_used:percent": (
        f"100 * (1 - sum by (job) (node_memory_MemAvailable_bytes{{{NODE}}})"
        f" / sum by (job) (node_memory_MemTotal_bytes{{{NODE}}}))"
    ),
    "type_status:dispycluster_jobs_finished:rate5m": (
        f"sum by (job, instance, type, status) (rate(dispycluster_jobs_total{{{SERVICE}}}[5m]))"
    ),
    "node_status:dispycluster_jobs_finished:rate5m": (
        f"sum by (job, instance, node, status) (rate(dispycluster_jobs_total{{{SERVICE}}}[5m]))"
    ),
    "type:dispycluster_jobs_submitted:rate5m": (
        f"sum by (job, instance, type) (rate(dispycluster_jobs_submitted_total{{{SERVICE}}}[5m]))"
    ),
    "type:dispycluster_job_run_seconds:p50_5m": _quantile(0.5, "dispycluster_job_run_seconds"),
    "type:dispycluster_job_run_seconds:p95_5m": _quantile(0.95, "dispycluster_job_run_seconds"),
    "type:dispycluster_job_queue_wait_seconds:p50_5m": _quantile(0.5, "dispycluster_job_queue_wait_seconds"),
    "type:dispycluster_job_queue_wait_seconds:p95_5m": _quantile(0.95, "dispycluster_job_queue_wait_seconds"),
}
