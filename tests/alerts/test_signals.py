"""Each signal's PromQL, evaluated by promtool on exporter-shaped series."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.signals import SIGNALS, signal_expr
from alerts.thresholds import THRESHOLDS
from tests.alerts.promtool import promtool_test
from tests.alerts.signal_series import NODE_LABELS, input_series

N2 = 'job="node",instance="n2:9100"'


def test_every_threshold_signal_has_promql():
    for row in THRESHOLDS:
        assert signal_expr(row.signal) == SIGNALS[row.signal]


def test_an_unknown_signal_names_the_module_to_fix():
    with pytest.raises(KeyError, match=r"alerts\.signals\.SIGNALS"):
        signal_expr("fan_rpm")


def _expr_test(signal: str, value: float, labels: str = NODE_LABELS, extra: str = "") -> dict[str, object]:
    return {
        "expr": f"round({SIGNALS[signal]}, 0.001)",
        "eval_time": "10m",
        "exp_samples": [{"labels": "{" + labels + extra + "}", "value": value}],
    }


def test_signals_evaluate_to_the_values_the_series_encode(tmp_path: Path):
    minutes = 12
    series = [
        *input_series("cpu_percent", [37.5] * minutes),
        *input_series("memory_percent", [62] * minutes),
        *input_series("disk_percent", [81] * minutes),
        *input_series("temperature_celsius", [55] * minutes),
        *input_series("up", [1] * minutes),
        # n2 has no hwmon chip (some Raspberry Pi kernels): the thermal zone stands in for it.
        {"series": f'node_thermal_zone_temp{{{N2},zone="0",type="cpu-thermal"}}', "values": "48.5x12"},
        # n2's root filesystem went read-only: it is no longer "full", another alert covers it.
        {
            "series": f'node_filesystem_size_bytes{{{N2},device="/dev/sda1",fstype="ext4",mountpoint="/"}}',
            "values": "100x12",
        },
        {
            "series": f'node_filesystem_free_bytes{{{N2},device="/dev/sda1",fstype="ext4",mountpoint="/"}}',
            "values": "1x12",
        },
        {
            "series": f'node_filesystem_avail_bytes{{{N2},device="/dev/sda1",fstype="ext4",mountpoint="/"}}',
            "values": "1x12",
        },
        {
            "series": f'node_filesystem_readonly{{{N2},device="/dev/sda1",fstype="ext4",mountpoint="/"}}',
            "values": "1x12",
        },
    ]
    root = ',device="/dev/mmcblk0p2",fstype="ext4",mountpoint="/"'
    temperature = _expr_test("temperature_celsius", 55)
    temperature["exp_samples"].append({"labels": "{" + N2 + "}", "value": 48.5})
    case = {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [
            _expr_test("cpu_percent", 37.5),
            _expr_test("memory_percent", 62),
            _expr_test("disk_percent", 81, extra=root),
            temperature,
            {
                "expr": SIGNALS["up"],
                "eval_time": "10m",
                "exp_samples": [{"labels": "up{" + NODE_LABELS + "}", "value": 1}],
            },
        ],
    }
    result = promtool_test(tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr
