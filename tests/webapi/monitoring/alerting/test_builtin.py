from alerts.thresholds import Threshold
from webapi.monitoring.alerting.builtin import Evaluator, observe
from webapi.monitoring.collection.derive import NodeMetrics
from webapi.monitoring.collection.state import NodeState

HOT = Threshold(
    "Hot",
    "temperature_celsius",
    ">",
    70,
    60,
    "warning",
    "hot",
    "{node} {threshold:g} {for_human} {value:.1f}",
    "",
)
DOWN = Threshold("Down", "up", "==", 0, 30, "critical", "down", "{node} down for {for_human}", "")


def test_an_alert_fires_only_after_its_for_duration():
    evaluator = Evaluator((HOT,))
    assert evaluator.evaluate(0, {"n1": {"temperature_celsius": 75.0}}) == []
    assert evaluator.evaluate(59, {"n1": {"temperature_celsius": 76.0}}) == []
    (breach,) = evaluator.evaluate(60, {"n1": {"temperature_celsius": 77.0}})
    assert (breach.node, breach.since, breach.value) == ("n1", 0, 77.0)
    assert breach.description == "n1 70 1 min 77.0"


def test_a_value_below_the_threshold_or_unknown_restarts_the_wait():
    evaluator = Evaluator((HOT,))
    evaluator.evaluate(0, {"n1": {"temperature_celsius": 75.0}})
    evaluator.evaluate(30, {"n1": {"temperature_celsius": None}})
    assert evaluator.evaluate(60, {"n1": {"temperature_celsius": 75.0}}) == []
    assert len(evaluator.evaluate(120, {"n1": {"temperature_celsius": 75.0}})) == 1


def test_resume_keeps_an_alert_firing_across_a_restart():
    evaluator = Evaluator((HOT,))
    (breach,) = [b for t in (0, 60) for b in evaluator.evaluate(t, {"n1": {"temperature_celsius": 80.0}})]
    restarted = Evaluator((HOT,))
    restarted.resume({breach.fingerprint: breach.since})
    assert [b.since for b in restarted.evaluate(61, {"n1": {"temperature_celsius": 80.0}})] == [0]


def test_signals_follow_the_node_status():
    state = NodeState("n1", metrics=NodeMetrics(ts=0, cpu_percent=95.0, temperature_celsius=60.0))
    assert observe(state, "online")["cpu_percent"] == 95.0
    offline = observe(state, "offline")
    assert offline["up"] == 0.0 and offline["cpu_percent"] is None
    assert observe(NodeState("n2"), "unknown")["up"] is None
    evaluator = Evaluator((DOWN,))
    evaluator.evaluate(0, {"n1": offline})
    assert [b.threshold.alert for b in evaluator.evaluate(30, {"n1": offline})] == ["Down"]
