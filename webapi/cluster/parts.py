"""Probes of every part of the service for the overview: each one really asked, never assumed."""

from __future__ import annotations

import asyncio
import time

import httpx

from webapi.core.health import PartHealth
from webapi.core.runtime import BackgroundService, Runtime

# Health endpoints of the ecosystem's parts (each answers 200 when healthy).
HEALTH_PATHS = {"prometheus": "/-/healthy", "alertmanager": "/-/healthy", "grafana": "/api/health"}


def database_health(runtime: Runtime, started: float, error: Exception | None) -> PartHealth:
    """The database as the overview's own queries (begun at `started`) found it."""
    if error is not None:
        return PartHealth(name="database", status="down", detail=f"{type(error).__name__}: {error}")
    return PartHealth(
        name="database", status="ok", detail=runtime.engine.dialect.name, latency_ms=ms_since(started)
    )


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def _http_health(name: str, base_url: str, timeout: float) -> PartHealth:
    started = time.perf_counter()
    url = base_url + HEALTH_PATHS[name]
    try:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            response = await client.get(url)
    except httpx.HTTPError as error:
        return PartHealth(name=name, status="down", detail=f"{url}: {type(error).__name__}")
    if response.status_code != 200:
        return PartHealth(name=name, status="down", detail=f"{url}: HTTP {response.status_code}")
    return PartHealth(name=name, status="ok", detail=url, latency_ms=ms_since(started))


async def _service_health(service: BackgroundService) -> PartHealth | None:
    try:
        return await service.probe()
    except Exception as error:  # a probe that raises reports its part as down
        return PartHealth(name=service.name, status="down", detail=f"{type(error).__name__}: {error}")


async def probe_parts(runtime: Runtime) -> list[PartHealth]:
    """Every part but the database (the overview's own queries probe that one): the background services
    in their order (the collector first), then the ecosystem's services."""
    settings = runtime.settings
    urls = {
        "prometheus": settings.prometheus_url,
        "alertmanager": settings.alertmanager_url,
        "grafana": settings.grafana_url,
    }
    probes = [
        *(_service_health(service) for service in runtime.services),
        *(_http_health(name, url, settings.probe_timeout) for name, url in urls.items() if url),
    ]
    return [part for part in await asyncio.gather(*probes) if part is not None]
