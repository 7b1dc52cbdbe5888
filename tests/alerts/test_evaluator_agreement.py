"""The web service's built-in evaluator and the Prometheus rules fire the same alerts on the same series.

One hour of per-minute exporter samples for two nodes goes both ways: as exposition text through the
service's own pipeline (parse → derive → observe → Evaluator), and as promtool input series through the
generated rules. Whatever the service fires at a checkpoint becomes promtool's expectation — labels and
rendered annotations included — so promtool passes only if Prometheus fires exactly that.

Checkpoints are the minutes at which the service's verdict has been stable for `SETTLE` minutes: the
service computes CPU from two consecutive scrapes while the rule uses a 2-minute rate window, so right at
a transition Prometheus may be one evaluation behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alerts.thresholds import THRESHOLDS, human_duration
from tests.alerts.promtool import promtool_test
from tests.alerts.signal_series import SIGNAL_EXTRA_LABELS, input_series, target_labels, thermal_zone_series
from webapi.monitoring.alerting.builtin import Evaluator, observe
from webapi.monitoring.collection.scrape import ScrapeResult
from webapi.monitoring.collection.state import NodeState

MINUTES = 60
SETTLE = 3
NODES = {"n1": 'job="node",instance="n1:9100",node="n1"', "n2": 'job="node",instance="n2:9100",node="n2"'}
SIGNALS = ("cpu_percent", "memory_percent", "disk_percent", "temperature_celsius")
THERMAL_ONLY = {("n2", "temperature_celsius")}


def _timeline(default: float, *spans: tuple[int, int, float]) -> list[float]:
    values = [default] * MINUTES
    for start, end, value in spans:
        values[start:end] = [value] * (end - start)
    return values


def _scenario() -> dict[str, dict[str, list[float | None]]]:
    """Per node, per signal, one value a minute; None where the node does not answer."""
    n2_down = set(range(15, 25))
    return {
        "n1": {
            "cpu_percent": _timeline(20, (10, 40, 95)),
            "memory_percent": _timeline(50, (30, 55, 93)),
            "disk_percent": _timeline(85, (5, 45, 92), (45, 60, 98)),
            "temperature_celsius": _timeline(60, (20, 30, 75), (30, 36, 85)),
            # n1 is a Raspberry Pi: throttled while hot, then a sagging supply latches the since-boot flag.
            "rpi_throttled": _timeline(0, (22, 36, 1)),
            "rpi_under_voltage": _timeline(0, (42, 50, 1)),
            "rpi_under_voltage_since_boot": _timeline(0, (42, 60, 1)),
        },
        # n2 has thermal zones only (and no Raspberry Pi flags), and is unreachable for a while.
        "n2": {
            signal: [None if m in n2_down else v for m, v in enumerate(timeline)]
            for signal, timeline in zip(
                SIGNALS,
                (_timeline(30), _timeline(40), _timeline(50), _timeline(45, (40, 52, 82))),
                strict=True,
            )
        },
    }


def _series(scenario: dict[str, dict[str, list[float | None]]]) -> dict[str, list[dict[str, str]]]:
    out = {}
    for node, signals in scenario.items():
        labels = NODES[node]
        series = [
            s
            for signal, values in signals.items()
            for s in (
                thermal_zone_series(values, labels)
                if (node, signal) in THERMAL_ONLY
                else input_series(signal, values, labels)
            )
        ]
        answered = [0 if v is None else 1 for v in signals["cpu_percent"]]
        out[node] = [*series, *input_series("up", answered, labels)]
    return out


def _exposition(series: list[dict[str, str]], minute: int) -> str | None:
    """The exporter's page at `minute`, or None if it did not answer (its samples are stale)."""
    lines = []
    for s in series:
        if s["series"].startswith("up{"):
            continue
        value = s["values"].split()[minute]
        if value == "stale":
            return None
        lines.append(f"{s['series']} {value}")
    return "\n".join(lines) + "\n"


Firing = dict[str, list[dict[str, Any]]]


def _service_verdicts(series: dict[str, list[dict[str, str]]]) -> list[Firing]:
    """Per minute: alertname → the alerts the service fires, in promtool's `exp_alerts` shape."""
    evaluator = Evaluator()
    states = {node: NodeState(node) for node in series}
    verdicts = []
    for minute in range(MINUTES):
        now = minute * 60.0
        for node, node_series in series.items():
            text = _exposition(node_series, minute)
            error = None if text is not None else "connection failed: refused"
            states[node].record(ScrapeResult(node, text, error, 0.01), now)
        observed = {node: observe(state, state.status(now, 60.0)[0]) for node, state in states.items()}
        firing: Firing = {row.alert: [] for row in THRESHOLDS}
        for breach in evaluator.evaluate(now, observed):
            row = breach.threshold
            fields = {
                "node": breach.node,
                "threshold": row.value,
                "value": breach.value,
                "for_human": human_duration(row.for_seconds),
            }
            firing[row.alert].append(
                {
                    "exp_labels": {
                        **target_labels(NODES[breach.node]),
                        **SIGNAL_EXTRA_LABELS.get(row.signal, {}),
                        "severity": row.severity,
                    },
                    "exp_annotations": {
                        "summary": row.summary.format(**fields),
                        "description": breach.description,
                        "runbook": row.runbook,
                    },
                }
            )
        verdicts.append(firing)
    return verdicts


def _key(alerts: list[dict[str, Any]]) -> set[str]:
    return {repr(sorted(a["exp_labels"].items())) for a in alerts}


def test_service_and_prometheus_fire_the_same_alerts(tmp_path: Path):
    series = _series(_scenario())
    verdicts = _service_verdicts(series)

    def stable(minute: int) -> bool:
        window = verdicts[minute - SETTLE : minute + 1]
        return all(_key(v[name]) == _key(verdicts[minute][name]) for v in window for name in verdicts[minute])

    checkpoints = [m for m in range(SETTLE, MINUTES) if stable(m)]
    # The scenario must exercise every row, or agreement would be vacuous.
    fired = {
        (a["exp_labels"]["severity"], name)
        for m in checkpoints
        for name, alerts in verdicts[m].items()
        for a in alerts
    }
    assert fired == {(row.severity, row.alert) for row in THRESHOLDS}
    nodes_hot = {a["exp_labels"]["node"] for m in checkpoints for a in verdicts[m]["NodeTemperatureCritical"]}
    assert nodes_hot == {"n1", "n2"}, "hwmon (n1) and thermal-zone (n2) temperatures must both fire"
    assert any(not any(verdicts[m].values()) for m in checkpoints), "no quiet checkpoint"

    case = {
        "name": "service evaluator vs Prometheus rules",
        "interval": "1m",
        "input_series": [s for node_series in series.values() for s in node_series],
        "alert_rule_test": [
            {"eval_time": f"{m}m", "alertname": name, "exp_alerts": alerts}
            for m in checkpoints
            for name, alerts in verdicts[m].items()
        ],
    }
    result = promtool_test(tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr
