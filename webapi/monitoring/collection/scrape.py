"""Concurrent scrapes of exporter targets: a timeout per target, a bound on scrapes in flight, and a
bound on the size of an answer (read as a stream: a larger one is dropped, never held)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


class AnswerTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes (DISPYCLUSTER_EXPORTER_MAX_BYTES)")


@dataclass(frozen=True)
class Target:
    node: str
    address: str  # host:port
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}/metrics"


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
        if error.response.status_code == 401:
            return "HTTP 401 from the exporter: check DISPYCLUSTER_EXPORTER_BASIC_AUTH_USER/_PASSWORD_FILE"
        return f"HTTP {error.response.status_code} from the exporter"
    if isinstance(error, AnswerTooLargeError):
        return str(error)
    return f"{type(error).__name__}: {error}"


async def _read_bounded(response: httpx.Response, max_bytes: int) -> bytes:
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise AnswerTooLargeError(max_bytes)
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise AnswerTooLargeError(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def scrape(
    client: httpx.AsyncClient, target: Target, timeout: float, max_bytes: int = DEFAULT_MAX_BYTES
) -> ScrapeResult:
    started = time.perf_counter()
    try:
        async with client.stream("GET", target.url, timeout=timeout, headers={"Accept": ACCEPT}) as response:
            response.raise_for_status()
            body = await _read_bounded(response, max_bytes)
    except (httpx.HTTPError, httpx.InvalidURL, OSError, AnswerTooLargeError) as error:
        return ScrapeResult(target.node, None, _reason(error, timeout), time.perf_counter() - started)
    text = body.decode("utf-8", errors="replace")
    return ScrapeResult(target.node, text, None, time.perf_counter() - started)


async def scrape_all(
    client: httpx.AsyncClient,
    targets: Iterable[Target],
    timeout: float,
    concurrency: int,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[ScrapeResult]:
    """Scrape every target; failures come back as results with `error` set, never as exceptions."""
    gate = asyncio.Semaphore(concurrency)

    async def bounded(target: Target) -> ScrapeResult:
        async with gate:
            # The timeout covers the whole exchange, also a server that trickles its answer.
            try:
                return await asyncio.wait_for(scrape(client, target, timeout, max_bytes), timeout + 0.5)
            except TimeoutError:
                return ScrapeResult(target.node, None, f"timed out after {timeout:g} s", timeout)

    return list(await asyncio.gather(*(bounded(target) for target in targets)))
