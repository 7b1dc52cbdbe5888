"""Every recording rule, evaluated by promtool on exporter- and service-shaped series."""

from __future__ import annotations

from pathlib import Path

from alerts.recording import RECORDING_RULES, SIGNAL_RECORDS
from tests.alerts.promtool import promtool_test
from tests.alerts.signal_series import NODE_LABELS, input_series

SERVICE = 'job="dispycluster",instance="master:8085"'
ROOT = ',device="/dev/mmcblk0p2",fstype="ext4",mountpoint="/"'
MINUTES = 12


def _service_series() -> list[dict[str, str]]:
    run, wait = "dispycluster_job_run_seconds_bucket", "dispycluster_job_queue_wait_seconds_bucket"
    series = [
        (f'dispycluster_jobs_total{{{SERVICE},type="python",status="succeeded",node="n1"}}', "0+60x12"),
        (f'dispycluster_jobs_submitted_total{{{SERVICE},type="python"}}', "0+120x12"),
    ]
    for histogram in (run, wait):
        series += [
            (f'{histogram}{{{SERVICE},type="python",le="1"}}', "0+60x12"),
            (f'{histogram}{{{SERVICE},type="python",le="10"}}', "0+120x12"),
            (f'{histogram}{{{SERVICE},type="python",le="+Inf"}}', "0+120x12"),
        ]
    return [{"series": s, "values": v} for s, v in series]


def _node_series() -> list[dict[str, str]]:
    return [
        *input_series("cpu_percent", [37.5] * MINUTES),
        *input_series("memory_percent", [62] * MINUTES),
        *input_series("disk_percent", [81] * MINUTES),
        *input_series("temperature_celsius", [55] * MINUTES),
        {"series": f"node_load1{{{NODE_LABELS}}}", "values": "1x12"},
        {"series": f'node_network_receive_bytes_total{{{NODE_LABELS},device="eth0"}}', "values": "0+6000x12"},
        {
            "series": f'node_network_transmit_bytes_total{{{NODE_LABELS},device="eth0"}}',
            "values": "0+3000x12",
        },
        # Loopback traffic is not network traffic of the node.
        {"series": f'node_network_receive_bytes_total{{{NODE_LABELS},device="lo"}}', "values": "0+60000x12"},
    ]


EXPECTED: dict[str, tuple[str, float]] = {
    SIGNAL_RECORDS["cpu_percent"]: (NODE_LABELS, 37.5),
    SIGNAL_RECORDS["memory_percent"]: (NODE_LABELS, 62),
    SIGNAL_RECORDS["disk_percent"]: (NODE_LABELS + ROOT, 81),
    SIGNAL_RECORDS["temperature_celsius"]: (NODE_LABELS, 55),
    "instance:node_num_cpu:sum": (NODE_LABELS, 2),
    "instance:node_load1_per_cpu:ratio": (NODE_LABELS, 0.5),
    "instance:node_network_receive_bytes:rate5m": (NODE_LABELS, 100),
    "instance:node_network_transmit_bytes:rate5m": (NODE_LABELS, 50),
    "job:node_cpu_busy:percent": ('job="node"', 37.5),
    "job:node_memory_used:percent": ('job="node"', 62),
    "type_status:dispycluster_jobs_finished:rate5m": (f'{SERVICE},type="python",status="succeeded"', 1),
    "node_status:dispycluster_jobs_finished:rate5m": (f'{SERVICE},node="n1",status="succeeded"', 1),
    "type:dispycluster_jobs_submitted:rate5m": (f'{SERVICE},type="python"', 2),
    # Half the jobs took under 1 s, all under 10 s: the median is the first bucket's bound and the 95th
    # percentile interpolates inside the second bucket.
    "type:dispycluster_job_run_seconds:p50_5m": (f'{SERVICE},type="python"', 1),
    "type:dispycluster_job_run_seconds:p95_5m": (f'{SERVICE},type="python"', 9.1),
    "type:dispycluster_job_queue_wait_seconds:p50_5m": (f'{SERVICE},type="python"', 1),
    "type:dispycluster_job_queue_wait_seconds:p95_5m": (f'{SERVICE},type="python"', 9.1),
}


def test_every_recording_rule_has_an_expectation():
    assert set(EXPECTED) == set(RECORDING_RULES)


def test_recording_rules_evaluate_to_expected_values(tmp_path: Path):
    case = {
        "interval": "1m",
        "input_series": _node_series() + _service_series(),
        "promql_expr_test": [
            {
                "expr": f"round({record}, 0.001)",
                "eval_time": "10m",
                "exp_samples": [{"labels": "{" + labels + "}", "value": value}],
            }
            for record, (labels, value) in EXPECTED.items()
        ],
    }
    result = promtool_test(tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr
