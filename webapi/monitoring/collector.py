"""The collector: a background service that runs a collection round every scrape interval.

A round re-reads the inventory file when it changed, scrapes every node, derives metrics, writes the
history (one batch), compacts it, evaluates the built-in alerts and then calls the `after_round`
listeners (the live event feed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from webapi.core import observability
from webapi.core.health import PartHealth
from webapi.inventory import store as inventory
from webapi.inventory.file import InventoryError, read_inventory
from webapi.inventory.schemas import NodeSpec
from webapi.monitoring.alerting import store as alert_store
from webapi.monitoring.alerting.builtin import Evaluator, observe
from webapi.monitoring.collection import history
from webapi.monitoring.collection.client import exporter_client
from webapi.monitoring.collection.scrape import Target, scrape_all
from webapi.monitoring.collection.state import NodeState, parse_result

if TYPE_CHECKING:
    from webapi.core.runtime import Runtime
    from webapi.monitoring.alerting.store import Changes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundOutcome:
    started_at: float
    duration: float
    scraped: int
    succeeded: int
    errors: dict[str, str]


@dataclass
class Listeners:
    after_round: list[Callable[[RoundOutcome], Awaitable[None]]] = field(default_factory=list)
    alerts_changed: list[Callable[[Changes], Awaitable[None]]] = field(default_factory=list)


class Collector:
    name = "collector"

    def __init__(self, runtime: Runtime, *, evaluator: Evaluator | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.evaluator = evaluator or Evaluator()
        self.listeners = Listeners()
        self.states: dict[str, NodeState] = {}
        self.last_round: RoundOutcome | None = None
        self.last_failure: str | None = None
        self.inventory_error: str | None = None
        self._inventory_mtime: float | None = None
        self._compacted_bucket: float | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        await asyncio.to_thread(self._prepare)
        self._client = exporter_client(self.settings)
        self._task = asyncio.create_task(self._loop(), name="collector")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def probe(self) -> PartHealth:
        """The collector as one of the overview's parts: running, and its last round recent enough."""
        if not self.running:
            return PartHealth(name=self.name, status="down", detail="not running")
        last = self.last_round
        if last is None:
            return PartHealth(name=self.name, status="starting", detail="first round not finished")
        age = self.runtime.clock() - last.started_at
        if age > 3 * self.settings.collect_interval + self.settings.collect_timeout:
            return PartHealth(name=self.name, status="down", detail=f"last round {age:.0f} s ago")
        detail = self.last_failure or f"last round {age:.0f} s ago, {last.duration * 1000:.0f} ms"
        return PartHealth(name=self.name, status="ok", detail=detail, latency_ms=last.duration * 1000)

    def _prepare(self) -> None:
        self.reload_inventory(force=True)
        with self.runtime.sessions() as session:
            if self.settings.local_exporter:
                host = self.settings.local_exporter.rpartition(":")[0]
                local = NodeSpec(
                    name="local",
                    address=host,
                    exporter=self.settings.local_exporter,
                    labels={"role": "local"},
                )
                inventory.upsert_node(session, local)
            self.evaluator.resume(alert_store.firing_builtin(session))

    def reload_inventory(self, force: bool = False) -> None:
        """Sync the inventory file into the table when it changed since the last sync (or when forced)."""
        path = self.settings.inventory
        if path is None:
            return
        try:
            mtime = path.stat().st_mtime
        except OSError as error:
            self.inventory_error = f"{path}: {error.strerror}"
            return
        if not force and mtime == self._inventory_mtime:
            return
        try:
            specs = read_inventory(path)
        except InventoryError as error:
            self.inventory_error = str(error)
            log.error("inventory not reloaded: %s", error)
            return
        with self.runtime.sessions() as session:
            result = inventory.sync_file(session, specs)
        self._inventory_mtime, self.inventory_error = mtime, None
        log.info("inventory %s synced: %s", path, result)

    async def _loop(self) -> None:
        interval = self.settings.collect_interval
        while True:
            started = time.monotonic()
            try:
                await self.collect()
            except Exception as error:  # a failed round must not end the collector
                self.last_failure = f"{type(error).__name__}: {error}"
                log.exception("collection round failed")
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def _targets(self) -> list[Target]:
        self.reload_inventory()
        with self.runtime.sessions() as session:
            scheme = self.settings.exporter_scheme
            return [Target(row.name, row.exporter, scheme) for row in inventory.list_nodes(session)]

    async def collect(self) -> RoundOutcome:
        """Run one round now (rounds never overlap: a second caller waits for the first)."""
        async with self._lock:
            return await self._round()

    async def _round(self) -> RoundOutcome:
        assert self._client is not None, "collector not started"
        started_at, started = self.runtime.clock(), time.perf_counter()
        targets = await asyncio.to_thread(self._targets)
        results = await scrape_all(
            self._client,
            targets,
            self.settings.collect_timeout,
            self.settings.collect_concurrency,
            self.settings.exporter_max_bytes,
        )
        now = self.runtime.clock()
        # Parsing a large page takes a while: off the event loop, so the API keeps answering meanwhile.
        parsed = await asyncio.to_thread(lambda: [parse_result(result, now) for result in results])
        wanted = {target.node for target in targets}
        for gone in set(self.states) - wanted:
            del self.states[gone]
            observability.forget_node(gone)
        errors: dict[str, str] = {}
        for result, snapshot in zip(results, parsed, strict=True):
            state = self.states.setdefault(result.node, NodeState(result.node))
            state.record(result, now, snapshot)
            observability.NODE_UP.labels(result.node).set(0 if state.last_error else 1)
            if state.last_error:
                observability.SCRAPE_ERRORS.labels(result.node).inc()
                errors[result.node] = state.last_error
        changes = await asyncio.to_thread(self._persist, now)
        outcome = RoundOutcome(
            started_at=started_at,
            duration=time.perf_counter() - started,
            scraped=len(results),
            succeeded=len(results) - len(errors),
            errors=errors,
        )
        self.last_round, self.last_failure = outcome, None
        observability.COLLECTION_ROUNDS.inc()
        observability.COLLECTION_ROUND_SECONDS.observe(outcome.duration)
        for listener in self.listeners.after_round:
            await listener(outcome)
        if changes:
            for alert_listener in self.listeners.alerts_changed:
                await alert_listener(changes)
        return outcome

    def _persist(self, now: float) -> Changes | None:
        fresh = {
            name: state.metrics
            for name, state in self.states.items()
            if state.metrics is not None and state.last_success_at == now
        }
        s = self.settings
        with self.runtime.sessions() as session:
            history.write(session, history.sample_rows(fresh))
            # Whole buckets only ever become due at a bucket boundary: compact once per bucket.
            bucket_index = now // s.downsample_seconds
            if bucket_index != self._compacted_bucket:
                history.compact(
                    session, now, s.raw_retention_hours * 3600, s.downsample_seconds, s.retention_days * 86400
                )
                self._compacted_bucket = bucket_index
            if not s.evaluate_alerts:
                return None
            observed = {
                name: observe(state, state.status(now, s.collect_interval)[0])
                for name, state in self.states.items()
            }
            return alert_store.sync_builtin(session, self.evaluator.evaluate(now, observed), now)
