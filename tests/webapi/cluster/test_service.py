from collections import Counter

from webapi.cluster.schemas import NodeSummary
from webapi.cluster.service import assess, averages
from webapi.core.health import PartHealth

OK_PARTS = [PartHealth(name="collector", status="ok"), PartHealth(name="database", status="ok")]


def node(name: str, status: str, cpu: float | None = None) -> NodeSummary:
    return NodeSummary(
        name=name, address="a", exporter="a:9100", dispy_port=9701, labels={}, source="file", status=status,
        reason=None, last_seen=None, cpu_percent=cpu, memory_percent=None, disk_percent=None,
        temperature_celsius=None, load1=None, network_rx_bps=None, network_tx_bps=None, uptime_seconds=None,
    )  # fmt: skip


def test_all_online_and_nothing_firing_is_healthy():
    verdict = assess([node("a", "online"), node("b", "online")], OK_PARTS, Counter(), None)
    assert (verdict.status, verdict.issues, verdict.counts.online) == ("healthy", [], 2)


def test_some_nodes_offline_is_degraded_and_more_than_half_is_critical():
    some = assess([node("a", "online"), node("b", "offline"), node("c", "online")], OK_PARTS, Counter(), None)
    assert some.status == "degraded" and some.issues == ["1 of 3 nodes offline: b"]
    most = assess(
        [node("a", "offline"), node("b", "offline"), node("c", "online")], OK_PARTS, Counter(), None
    )
    assert most.status == "critical"


def test_parts_alerts_and_inventory_errors_count():
    down_db = [OK_PARTS[0], PartHealth(name="database", status="down", detail="locked")]
    assert assess([node("a", "online")], down_db, Counter(), None).status == "critical"
    grafana_down = [
        *OK_PARTS,
        PartHealth(name="grafana", status="down", detail="http://g/api/health: HTTP 503"),
    ]
    verdict = assess([node("a", "online")], grafana_down, Counter(), None)
    assert verdict.status == "degraded" and verdict.issues == ["grafana down: http://g/api/health: HTTP 503"]
    firing = assess([node("a", "online")], OK_PARTS, Counter({"critical": 1, "warning": 2}), None)
    assert firing.status == "critical" and "2 warning alerts firing" in firing.issues
    broken_file = assess([node("a", "online")], OK_PARTS, Counter(), "inventory.yaml: invalid YAML")
    assert broken_file.status == "degraded"
    assert assess([], OK_PARTS, Counter(), None).issues == ["no nodes in the inventory"]


def test_averages_skip_unknown_values():
    assert (
        averages([node("a", "online", 10.0), node("b", "online", 30.0), node("c", "offline")]).cpu_percent
        == 20.0
    )
    assert averages([node("c", "offline")]).cpu_percent is None
