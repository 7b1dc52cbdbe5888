"""Concurrent scrapes of exporter targets: a timeout per target, a bound on scrapes in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"


@dataclass(frozen=True)
class Target:
    node: str
    address: str  # host:port

    @property
    def url(self) -> str:
        return f"http://{self.address}/metrics"


@dataclass(frozen=True)
class ScrapeResult:
    node: str
    text: str | None
    error: str | None
    duration: float


def _reason(error: Exception, timeout: float) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {timeout:g} s"
    if isinstance(error, httpx.ConnectError):
        return f"connection failed: {error or 'refused'}"
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} from the exporter"
    return f"{type(error).__name__}: {error}"


async def scrape(client: httpx.AsyncClient, target: Target, timeout: float) -> ScrapeResult:
    started = time.perf_counter()
    try:
        response = await client.get(target.url, timeout=timeout, headers={"Accept": ACCEPT})
        response.raise_for_status()
        text = response.text
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
        return ScrapeResult(target.node, None, _reason(error, timeout), time.perf_counter() - started)
    return ScrapeResult(target.node, text, None, time.perf_counter() - started)


async def scrape_all(
    client: httpx.AsyncClient, targets: Iterable[Target], timeout: float, concurrency: int
) -> list[ScrapeResult]:
    """Scrape every target; failures come back as results with `error` set, never as exceptions."""
    gate = asyncio.Semaphore(concurrency)

    async def bounded(target: Target) -> ScrapeResult:
        async with gate:
            # The timeout covers the whole exchange, also a server that trickles its answer.
            try:
                return await asyncio.wait_for(scrape(client, target, timeout), timeout + 0.5)
            except TimeoutError:
                return ScrapeResult(target.node, None, f"timed out after {timeout:g} s", timeout)

    return list(await asyncio.gather(*(bounded(target) for target in targets)))
