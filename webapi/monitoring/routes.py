"""`/api/monitoring`: the collector, metrics and history, alerts, export and the Alertmanager webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from webapi.core.api_time import ApiTime
from webapi.core.dependencies import CollectorDep, RuntimeDep, SessionDep
from webapi.core.errors import ApiError, ErrorResponse
from webapi.inventory import store as inventory
from webapi.monitoring import export
from webapi.monitoring import service as monitoring
from webapi.monitoring.alerting import store as alert_store
from webapi.monitoring.alerting.schemas import WebhookOutcome, WebhookPayload
from webapi.monitoring.schemas import (
    AlertList,
    CurrentMetrics,
    HistoryAnswer,
    MonitoringHealth,
    RoundOut,
    ScrapeStatus,
)
from webapi.monitoring.service import HistoryQuery, HistorySource

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Unknown node"}}
Moment = Annotated[ApiTime | None, Query(description="ISO 8601 time (or unix seconds)")]


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ApiError(422, "Times need a timezone (for example 2026-01-01T00:00:00Z)")
    return moment.timestamp()


@router.get("/health", response_model=MonitoringHealth)
def health(collector: CollectorDep) -> MonitoringHealth:
    return monitoring.health(collector)


@router.get("/nodes", response_model=list[ScrapeStatus])
def scrape_status(runtime: RuntimeDep, session: SessionDep) -> list[ScrapeStatus]:
    return monitoring.scrape_statuses(runtime, session)


@router.get("/metrics", response_model=CurrentMetrics | HistoryAnswer, responses=NOT_FOUND)
def metrics(
    runtime: RuntimeDep,
    session: SessionDep,
    *,
    node: str | None = None,
    metric: str | None = None,
    since: Moment = None,
    until: Moment = None,
    step: Annotated[float | None, Query(ge=1, le=86400, description="Bucket width in seconds")] = None,
    source: Annotated[
        HistorySource,
        Query(
            description="History from the service's database (`database`; `sqlite` is accepted as another "
            "name for it, whichever database is configured) or from Prometheus's query_range (`prometheus`)"
        ),
    ] = "database",
) -> CurrentMetrics | HistoryAnswer:
    """Current metrics per node and for the cluster; with `metric`, `since`, `until` or `step`, history."""
    if metric is None and since is None and until is None and step is None and source != "prometheus":
        return monitoring.current_metrics(runtime, session, node)
    query = HistoryQuery(node, metric, _epoch(since), _epoch(until), step, source)
    return monitoring.history_series(runtime, session, query)


@router.get("/alerts", response_model=AlertList)
def alerts(
    session: SessionDep,
    state: Literal["active", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertList:
    return monitoring.alerts(session, state == "all", limit)


@router.post("/collect_metrics", response_model=RoundOut)
async def collect_metrics(collector: CollectorDep) -> RoundOut:
    """Run a collection round now and answer with its outcome."""
    return monitoring.round_out(await collector.collect())


@router.get(
    "/export",
    responses={
        200: {"content": {"text/csv": {}, "application/json": {}}, "description": "A file"},
        **NOT_FOUND,
    },
    response_class=StreamingResponse,
)
def export_history(
    runtime: RuntimeDep,
    session: SessionDep,
    *,
    format: Literal["csv", "json"] = "csv",
    since: Moment = None,
    until: Moment = None,
    node: str | None = None,
) -> StreamingResponse:
    """The stored history as a file download."""
    end = _epoch(until)
    end = runtime.clock() if end is None else end
    start = _epoch(since)
    start = end - 86400 if start is None else start
    if start >= end:
        raise ApiError(422, "`since` must be before `until`")
    if node is not None:
        inventory.require_node(session, node)
    chunks = (export.csv_chunks if format == "csv" else export.json_chunks)(runtime, start, end, node)
    disposition = f'attachment; filename="{export.filename(format, start, end, node)}"'
    return StreamingResponse(
        chunks, media_type=export.MEDIA_TYPES[format], headers={"Content-Disposition": disposition}
    )


@router.post("/alertmanager", response_model=WebhookOutcome)
def alertmanager_webhook(runtime: RuntimeDep, session: SessionDep, payload: WebhookPayload) -> WebhookOutcome:
    """Alertmanager webhook receiver (payload version 4); re-sent alerts update, never duplicate."""
    outcome, changes = alert_store.ingest_webhook(session, payload, runtime.clock())
    if changes:
        runtime.events.publish_threadsafe("alert", monitoring.alert_payload(changes))
    return outcome
