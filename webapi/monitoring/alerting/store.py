"""Alert rows: built-in alerts follow the evaluator, Alertmanager's follow the webhook."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapi.monitoring.alerting.builtin import Breach
from webapi.monitoring.alerting.schemas import WebhookAlert, WebhookOutcome, WebhookPayload
from webapi.monitoring.alerting.tables import AlertRow

BUILTIN = "builtin"
ALERTMANAGER = "alertmanager"
# Alertmanager sends this as the end of an alert that has not ended.
_NO_END_BEFORE = datetime(1970, 1, 2, tzinfo=UTC)


@dataclass
class Changes:
    fired: list[AlertRow] = field(default_factory=list)
    resolved: list[AlertRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fired or self.resolved)


def firing_builtin(session: Session) -> dict[str, float]:
    """fingerprint → starts_at of built-in alerts firing now."""
    rows = session.execute(
        select(AlertRow.fingerprint, AlertRow.starts_at).where(
            AlertRow.source == BUILTIN, AlertRow.status == "firing"
        )
    )
    return {fp: starts for fp, starts in rows}


def sync_builtin(session: Session, breaches: list[Breach], now: float) -> Changes:
    """Make the firing built-in rows match `breaches`: new ones fire, missing ones resolve."""
    changes = Changes()
    firing = {
        row.fingerprint: row
        for row in session.scalars(
            select(AlertRow).where(AlertRow.source == BUILTIN, AlertRow.status == "firing")
        )
    }
    for breach in breaches:
        if breach.fingerprint in firing:
            continue
        row = AlertRow(
            source=BUILTIN,
            fingerprint=breach.fingerprint,
            name=breach.threshold.alert,
            severity=breach.threshold.severity,
            node=breach.node,
            summary=breach.threshold.summary,
            description=breach.description,
            status="firing",
            starts_at=breach.since,
            ends_at=None,
            updated_at=now,
            labels={
                "alertname": breach.threshold.alert,
                "severity": breach.threshold.severity,
                "node": breach.node,
            },
        )
        session.add(row)
        changes.fired.append(row)
    live = {breach.fingerprint for breach in breaches}
    for fingerprint, row in firing.items():
        if fingerprint not in live:
            row.status, row.ends_at, row.updated_at = "resolved", now, now
            changes.resolved.append(row)
    session.commit()
    return changes


def _epoch(moment: datetime | None) -> float | None:
    if moment is None or moment < _NO_END_BEFORE:
        return None
    return moment.timestamp()


def _node_of(alert: WebhookAlert) -> str | None:
    return alert.labels.get("node") or alert.labels.get("instance")


def ingest_webhook(session: Session, payload: WebhookPayload, now: float) -> tuple[WebhookOutcome, Changes]:
    """Store the payload's alerts; a re-sent alert (same fingerprint and startsAt) updates its row."""
    outcome = WebhookOutcome(received=len(payload.alerts), created=0, updated=0, unchanged=0)
    changes = Changes()
    for alert in payload.alerts:
        starts_at = alert.starts_at.timestamp()
        ends_at = _epoch(alert.ends_at) if alert.status == "resolved" else None
        row = session.scalar(
            select(AlertRow).where(
                AlertRow.source == ALERTMANAGER,
                AlertRow.fingerprint == alert.fingerprint,
                AlertRow.starts_at == starts_at,
            )
        )
        if row is None:
            row = AlertRow(source=ALERTMANAGER, fingerprint=alert.fingerprint, starts_at=starts_at)
            session.add(row)
            outcome.created += 1
            (changes.fired if alert.status == "firing" else changes.resolved).append(row)
        elif row.status == alert.status and row.ends_at == ends_at and row.labels == alert.labels:
            outcome.unchanged += 1
            continue
        else:
            outcome.updated += 1
            if alert.status == "resolved" and row.status == "firing":
                changes.resolved.append(row)
        row.name = alert.labels.get("alertname", "unnamed")
        row.severity = alert.labels.get("severity", "none")
        row.node = _node_of(alert)
        row.summary = alert.annotations.get("summary", "")
        row.description = alert.annotations.get("description", "")
        row.status = alert.status
        row.ends_at = ends_at
        row.labels = dict(alert.labels)
        row.updated_at = now
        session.flush()
    session.commit()
    return outcome, changes


def list_alerts(session: Session, include_resolved: bool, limit: int) -> list[AlertRow]:
    statement = select(AlertRow).order_by(AlertRow.starts_at.desc(), AlertRow.id.desc()).limit(limit)
    if not include_resolved:
        statement = statement.where(AlertRow.status == "firing")
    return list(session.scalars(statement))


def firing_by_severity(session: Session) -> Counter[str]:
    rows = session.scalars(select(AlertRow.severity).where(AlertRow.status == "firing"))
    return Counter(rows)
