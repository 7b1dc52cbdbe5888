"""The monitoring answers: collector health, scrape status, current metrics and history, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from webapi.core.domain_errors import InvalidError, UpstreamError
from webapi.core.runtime import Runtime
from webapi.core.timefmt import utc, utc_from_unix
from webapi.inventory import store as inventory
from webapi.inventory.tables import NodeRow
from webapi.monitoring import current
from webapi.monitoring.alerting import store as alert_store
from webapi.monitoring.alerting.store import Changes
from webapi.monitoring.alerting.tables import AlertRow
from webapi.monitoring.collection import history, prometheus
from webapi.monitoring.collector import Collector, RoundOutcome
from webapi.monitoring.schemas import (
    AlertList,
    AlertOut,
    ClusterCurrent,
    CurrentMetrics,
    HistoryAnswer,
    MonitoringHealth,
    RoundOut,
    ScrapeStatus,
    Series,
)

# Where history comes from: the service's own database (`sqlite` is an older name for it, still accepted,
# whichever database that is) or Prometheus.
HistorySource = Literal["database", "sqlite", "prometheus"]


def round_out(outcome: RoundOutcome) -> RoundOut:
    return RoundOut(
        started_at=utc_from_unix(outcome.started_at),
        duration_seconds=round(outcome.duration, 4),
        scraped=outcome.scraped,
        succeeded=outcome.succeeded,
        failed=outcome.scraped - outcome.succeeded,
        errors=outcome.errors,
    )


def health(collector: Collector) -> MonitoringHealth:
    return MonitoringHealth(
        collector_running=collector.running,
        scrape_interval_seconds=collector.settings.collect_interval,
        last_round=round_out(collector.last_round) if collector.last_round else None,
        last_round_failure=collector.last_failure,
        inventory_error=collector.inventory_error,
        last_errors={name: state.last_error for name, state in sorted(collector.states.items())},
    )


def scrape_statuses(runtime: Runtime, session: Session) -> list[ScrapeStatus]:
    at = runtime.clock()
    answers = []
    for row in inventory.list_nodes(session):
        state = current.node_state(runtime, row.name)
        status, _ = current.status_of(runtime, state, at)
        answers.append(
            ScrapeStatus(
                node=row.name,
                target=f"{runtime.settings.exporter_scheme}://{row.exporter}/metrics",
                up=None if status == "unknown" else status == "online",
                status=status,
                last_scrape=utc(state.last_scrape_at),
                last_success=utc(state.last_success_at),
                duration_seconds=state.last_duration,
                error=state.last_error,
            )
        )
    return answers


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 2) if known else None


def current_metrics(runtime: Runtime, session: Session, node: str | None) -> CurrentMetrics:
    at = runtime.clock()
    rows = [inventory.require_node(session, node)] if node else inventory.list_nodes(session)
    per_node = {row.name: current.current(runtime, row.name, at) for row in rows}
    values = list(per_node.values())
    temps = [v.temperature_celsius for v in values if v.temperature_celsius is not None]
    cluster = ClusterCurrent(
        cpu_percent=_mean([v.cpu_percent for v in values]),
        memory_percent=_mean([v.memory_percent for v in values]),
        disk_percent=_mean([v.disk_percent for v in values]),
        max_temperature_celsius=max(temps) if temps else None,
        network_rx_bps=_sum([v.network_rx_bps for v in values]),
        network_tx_bps=_sum([v.network_tx_bps for v in values]),
    )
    return CurrentMetrics(nodes=per_node, cluster=cluster, timestamp=utc_from_unix(at))


@dataclass(frozen=True)
class HistoryQuery:
    node: str | None
    metric: str | None
    since: float | None
    until: float | None
    step: float | None
    source: HistorySource = "database"


def history_series(runtime: Runtime, session: Session, query: HistoryQuery) -> HistoryAnswer:
    until = runtime.clock() if query.until is None else query.until
    since = until - 3600 if query.since is None else query.since
    if since >= until:
        raise InvalidError("`since` must be before `until`")
    if query.metric is not None and query.metric not in history.HISTORY_METRICS:
        raise InvalidError(f"Unknown metric {query.metric!r}; known: {', '.join(history.HISTORY_METRICS)}")
    rows = [inventory.require_node(session, query.node)] if query.node else inventory.list_nodes(session)
    metrics = [query.metric] if query.metric else list(history.HISTORY_METRICS)
    window = prometheus.Window(since, until, query.step or prometheus.default_step(since, until))
    if query.source == "prometheus":
        series = _prometheus_series(runtime, rows, metrics, window)
    else:
        series = [
            Series(
                node=row.name,
                metric=m,
                points=history.query(session, row.name, m, since, until, step=query.step),
            )
            for row in rows
            for m in metrics
        ]
    from_prometheus = query.source == "prometheus"
    return HistoryAnswer(
        since=utc_from_unix(since),
        until=utc_from_unix(until),
        step_seconds=window.step if from_prometheus else query.step,
        # The database really read (sqlite, postgresql), whatever name the request used for it.
        source="prometheus" if from_prometheus else runtime.engine.dialect.name,
        series=series,
    )


def _prometheus_series(
    runtime: Runtime, rows: list[NodeRow], metrics: list[str], window: prometheus.Window
) -> list[Series]:
    base_url = runtime.settings.prometheus_url
    if base_url is None:
        raise InvalidError("`source=prometheus` needs DISPYCLUSTER_PROMETHEUS_URL to be set")
    by_exporter = {row.exporter: row.name for row in rows}
    series: list[Series] = []
    for metric in metrics:
        try:
            found = prometheus.query_range(base_url, metric, window, runtime.settings.probe_timeout * 5)
        except prometheus.PrometheusError as error:
            raise UpstreamError(str(error)) from None
        points = {prometheus.node_of(labels, by_exporter): values for labels, values in found}
        series.extend(Series(node=row.name, metric=metric, points=points.get(row.name, [])) for row in rows)
    return series


def alert_out(row: AlertRow) -> AlertOut:
    return AlertOut(
        id=row.id,
        name=row.name,
        severity=row.severity,
        node=row.node,
        summary=row.summary,
        description=row.description,
        status=row.status,  # type: ignore[arg-type]
        starts_at=utc_from_unix(row.starts_at),
        ends_at=utc(row.ends_at),
        source=row.source,  # type: ignore[arg-type]
        fingerprint=row.fingerprint,
        labels=dict(row.labels or {}),
    )


def alerts(session: Session, include_resolved: bool, limit: int) -> AlertList:
    rows = alert_store.list_alerts(session, include_resolved, limit)
    return AlertList(alerts=[alert_out(row) for row in rows], count=len(rows))


def alert_payload(changes: Changes) -> dict[str, list[dict[str, object]]]:
    return {
        "fired": [alert_out(row).model_dump(mode="json") for row in changes.fired],
        "resolved": [alert_out(row).model_dump(mode="json") for row in changes.resolved],
    }
