"""The rendered rule files: committed copy up to date, accepted by promtool, and every threshold alert
firing after (not before) its `for` and resolving — checked by `promtool test rules`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.rules import DEFAULT_OUT, alerting_groups, prometheus_duration, render_rule_files, write_rules
from alerts.thresholds import THRESHOLDS, Threshold, human_duration
from tests.alerts.promtool import promtool_test
from tests.alerts.signal_series import SIGNAL_EXTRA_LABELS, input_series, target_labels
from tests.support.processes import require_binary

OK_MINUTES = 5
# Margin for the CPU signal's rate window, whose value lags the raw samples by up to two minutes.
LAG_MINUTES = 3


def test_committed_rule_files_are_up_to_date():
    for name, text in render_rule_files().items():
        committed = DEFAULT_OUT / name
        assert committed.read_text(encoding="utf-8") == text, (
            f"{committed} is stale: run `make alerts` and commit the result"
        )


def test_write_rules_writes_what_render_returns(tmp_path: Path):
    paths = write_rules(tmp_path)
    rendered = render_rule_files()
    assert sorted(p.name for p in paths) == sorted(rendered)
    for path in paths:
        assert path.read_text(encoding="utf-8") == rendered[path.name]


def test_promtool_check_rules_accepts_the_committed_files():
    promtool = require_binary("promtool")
    files = sorted(str(p) for p in DEFAULT_OUT.glob("*.yml"))
    result = subprocess.run(
        [promtool, "check", "rules", *files], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


@pytest.mark.parametrize(
    ("seconds", "expected"), [(0, "0s"), (45, "45s"), (60, "1m"), (900, "15m"), (3600, "1h"), (5400, "90m")]
)
def test_prometheus_duration(seconds: int, expected: str):
    assert prometheus_duration(seconds) == expected


def test_every_alert_has_severity_for_and_annotations():
    for group in alerting_groups():
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in {"info", "warning", "critical"}, rule["alert"]
            assert rule["for"], rule["alert"]
            assert set(rule["annotations"]) == {"summary", "description", "runbook"}, rule["alert"]
            assert all(rule["annotations"].values()), rule["alert"]


def test_for_overrides_change_only_the_named_alert():
    groups = alerting_groups({"NodeDown": 5})
    fors = {r["alert"]: r["for"] for g in groups for r in g["rules"]}
    assert fors["NodeDown"] == "5s"
    assert fors["NodeMemoryHigh"] == "15m"


def _ok_value(threshold: Threshold) -> float:
    # Signals compared with == are 0/1 flags (up, a Raspberry Pi's firmware flags).
    return {">": threshold.value - 10, "<": threshold.value + 10, "==": 1 - threshold.value}[threshold.op]


def _breach_value(threshold: Threshold) -> float:
    return {">": threshold.value + 1, "<": threshold.value - 1, "==": threshold.value}[threshold.op]


def _expected(threshold: Threshold, value: float, elapsed_minutes: int) -> list[dict[str, Any]]:
    """Alerts named like `threshold` firing `elapsed_minutes` into a breach at `value` (promtool wants
    the union over every rule sharing the name, e.g. a disk warning and critical)."""
    labels = target_labels()
    alerts = []
    for row in THRESHOLDS:
        if row.alert != threshold.alert or not row.breached(value):
            continue
        if row.for_seconds > (elapsed_minutes - LAG_MINUTES) * 60:
            continue
        fields = {
            "node": labels["node"],
            "threshold": row.value,
            "for_human": human_duration(row.for_seconds),
            "value": value,
        }
        alerts.append(
            {
                "exp_labels": {**labels, **SIGNAL_EXTRA_LABELS.get(row.signal, {}), "severity": row.severity},
                "exp_annotations": {
                    "summary": row.summary.format(**fields),
                    "description": row.description.format(**fields),
                    "runbook": row.runbook,
                },
            }
        )
    return alerts


def _threshold_case(threshold: Threshold) -> dict[str, Any]:
    for_minutes = max(1, threshold.for_seconds // 60)
    breach_minutes = for_minutes + 10
    ok, bad = _ok_value(threshold), _breach_value(threshold)
    values = [ok] * OK_MINUTES + [bad] * breach_minutes + [ok] * 10
    pending_at = OK_MINUTES + for_minutes - 1
    firing_at = OK_MINUTES + for_minutes + LAG_MINUTES
    resolved_at = OK_MINUTES + breach_minutes + 5
    return {
        "name": f"{threshold.alert} {threshold.severity}",
        "interval": "1m",
        "input_series": input_series(threshold.signal, values),
        "alert_rule_test": [
            {"eval_time": f"{OK_MINUTES - 1}m", "alertname": threshold.alert, "exp_alerts": []},
            # Breached but still pending: its `for` has not elapsed yet.
            {"eval_time": f"{pending_at}m", "alertname": threshold.alert, "exp_alerts": []},
            {
                "eval_time": f"{firing_at}m",
                "alertname": threshold.alert,
                "exp_alerts": _expected(threshold, bad, firing_at - OK_MINUTES),
            },
            {"eval_time": f"{resolved_at}m", "alertname": threshold.alert, "exp_alerts": []},
        ],
    }


@pytest.mark.parametrize("threshold", THRESHOLDS, ids=lambda t: f"{t.alert}-{t.severity}")
def test_threshold_alert_fires_after_for_and_resolves(tmp_path: Path, threshold: Threshold):
    case = _threshold_case(threshold)
    firing = case["alert_rule_test"][2]["exp_alerts"]
    assert any(a["exp_labels"]["severity"] == threshold.severity for a in firing)
    result = promtool_test(tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_fails_promtool(tmp_path: Path):
    # Guards the harness itself: promtool must reject an alert we claim fires when it cannot.
    case = _threshold_case(THRESHOLDS[0])
    case["alert_rule_test"][0]["exp_alerts"] = case["alert_rule_test"][2]["exp_alerts"]
    result = promtool_test(tmp_path, [case])
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_committed_alert_file_is_valid_yaml_with_two_groups():
    document = yaml.safe_load((DEFAULT_OUT / "alerts.yml").read_text(encoding="utf-8"))
    assert [g["name"] for g in document["groups"]] == ["dispycluster-thresholds", "dispycluster-prometheus"]


def test_cli_writes_the_rule_files(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "webapi.cli", "rules", "--out", str(tmp_path / "rules")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "rules").iterdir()) == sorted(render_rule_files())
