"""promtool unit tests of the Prometheus-only alerts (cases in prometheus_only_cases.yml)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from alerts.prometheus_only import PROMETHEUS_ALERTS
from tests.alerts.promtool import promtool_test

CASES = Path(__file__).with_name("prometheus_only_cases.yml")
RUNBOOKS = {a.alert: a.runbook for a in PROMETHEUS_ALERTS}


def _cases() -> list[dict[str, Any]]:
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    for case in cases:
        for check in case["alert_rule_test"]:
            for alert in check["exp_alerts"]:
                alert["exp_annotations"]["runbook"] = RUNBOOKS[check["alertname"]]
    return cases


def test_every_prometheus_only_alert_is_tested_pending_firing_and_resolved():
    checks: dict[str, list[dict[str, Any]]] = {}
    for case in _cases():
        for check in case["alert_rule_test"]:
            checks.setdefault(check["alertname"], []).append(check)
    for alert in PROMETHEUS_ALERTS:
        mine = sorted(checks.get(alert.alert, []), key=lambda c: int(c["eval_time"].rstrip("m")))
        assert mine, f"{alert.alert} has no promtool case"
        assert any(c["exp_alerts"] for c in mine), f"{alert.alert} never fires in its cases"
        first_firing = next(i for i, c in enumerate(mine) if c["exp_alerts"])
        assert first_firing > 0, f"{alert.alert}: no check before it fires"
        assert not mine[-1]["exp_alerts"], f"{alert.alert}: no check that it resolves"
        severities = {a["exp_labels"]["severity"] for c in mine for a in c["exp_alerts"]}
        assert alert.severity in severities, f"{alert.alert}: {alert.severity} rule never fires"


def test_prometheus_only_alerts_pass_promtool(tmp_path: Path):
    result = promtool_test(tmp_path, _cases())
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_expectation_fails(tmp_path: Path):
    cases = copy.deepcopy(_cases())
    firing = next(c for c in cases[0]["alert_rule_test"] if c["exp_alerts"])
    firing["exp_alerts"][0]["exp_annotations"]["summary"] = "something else"
    result = promtool_test(tmp_path, cases[:1])
    assert result.returncode != 0
