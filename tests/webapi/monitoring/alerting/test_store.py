from datetime import UTC, datetime

from alerts.thresholds import Threshold
from webapi.monitoring.alerting import store
from webapi.monitoring.alerting.builtin import Breach
from webapi.monitoring.alerting.schemas import WebhookPayload

HOT = Threshold("Hot", "temperature_celsius", ">", 70, 60, "warning", "hot", "{node} at {value:.0f}", "")


def payload(status: str, ends_at: str = "0001-01-01T00:00:00Z", **extra) -> WebhookPayload:
    alert = {
        "status": status,
        "labels": {"alertname": "NodeDown", "severity": "critical", "instance": "n1:9100"},
        "annotations": {"summary": "down", "description": "n1 is down"},
        "startsAt": "2026-11-28T03:18:28Z",
        "endsAt": ends_at,
        "fingerprint": "f48b148a24c83158",
        "somethingNew": True,
    }
    return WebhookPayload.model_validate({"version": "4", "status": status, "alerts": [alert], **extra})


def test_builtin_breaches_fire_once_and_resolve(sessions):
    breach = Breach(HOT, "n1", 75.0, since=100.0)
    with sessions() as session:
        fired = store.sync_builtin(session, [breach], now=160.0)
        assert [(r.name, r.node, r.description, r.starts_at) for r in fired.fired] == [
            ("Hot", "n1", "n1 at 75", 100.0)
        ]
        assert not store.sync_builtin(session, [breach], now=175.0)
        resolved = store.sync_builtin(session, [], now=190.0)
        assert [(r.status, r.ends_at) for r in resolved.resolved] == [("resolved", 190.0)]
        assert store.firing_builtin(session) == {}
        assert [r.source for r in store.list_alerts(session, include_resolved=True, limit=10)] == ["builtin"]


def test_the_webhook_is_idempotent_on_fingerprint_and_starts_at(sessions):
    with sessions() as session:
        outcome, changes = store.ingest_webhook(session, payload("firing", routeLabels={"x": "y"}), now=1.0)
        assert (outcome.created, len(changes.fired)) == (1, 1)
        outcome, changes = store.ingest_webhook(session, payload("firing"), now=2.0)
        assert (outcome.created, outcome.unchanged, bool(changes)) == (0, 1, False)
        (row,) = store.list_alerts(session, include_resolved=False, limit=10)
        assert (row.node, row.severity, row.ends_at, row.source) == (
            "n1:9100",
            "critical",
            None,
            "alertmanager",
        )
        outcome, changes = store.ingest_webhook(session, payload("resolved", "2026-11-28T03:30:00Z"), now=3.0)
        assert (outcome.updated, len(changes.resolved)) == (1, 1)
        (row,) = store.list_alerts(session, include_resolved=True, limit=10)
        assert row.status == "resolved"
        assert row.ends_at == datetime(2026, 11, 28, 3, 30, tzinfo=UTC).timestamp()
        assert store.list_alerts(session, include_resolved=False, limit=10) == []
