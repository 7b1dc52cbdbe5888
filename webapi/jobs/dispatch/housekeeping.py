"""The dispatcher's chores besides jobs: the engine's node list, the job counts and their gauges, the
purge of jobs past their retention (and of old idempotency keys), and the `dispycluster_jobs_total`
series of each node."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from webapi.core.dispy_ports import DEFAULT_NODE_PORT
from webapi.core.settings import Settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs import idempotency, metrics, store
from webapi.jobs.dispatch.engine_api import Engine, NodeAddress
from webapi.jobs.registry import Registry
from webapi.jobs.states import TERMINAL, JobStatus

log = logging.getLogger(__name__)

NODE_REFRESH_S = 5.0
COUNTS_REFRESH_S = 1.0
# Finished jobs past their retention are deleted hourly, one short batch per step while a backlog remains.
PURGE_INTERVAL_S = 3600.0
PURGE_BATCH = 1000

NodeSource = Callable[[Session], list[NodeAddress]]


def split_host_port(spec: str) -> tuple[str, int]:
    """`host:port` of `DISPYCLUSTER_DISPY_NODES`; a bare host means dispy's default node port."""
    host, _, port = spec.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else (spec, DEFAULT_NODE_PORT)


class Housekeeping:
    """Each chore runs from the dispatcher's step when its time has come (`now` is monotonic)."""

    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        engine: Engine,
        registry: Registry,
        node_source: NodeSource | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._engine = engine
        self._registry = registry
        self._node_source = node_source
        self._next_node_refresh = 0.0
        self._next_counts = 0.0
        self._next_purge = 0.0
        self.counts: dict[str, int] | None = None

    def init_series(self, node: str) -> None:
        """Creates every `dispycluster_jobs_total` series of `node` at 0, so that the first lost job on
        it is an increase the alert rules see (a series born at 1 has no increase)."""
        for type_name in self._registry.names():
            for status in TERMINAL:
                metrics.JOBS_ENDED.labels(type_name, status.value, node)

    def sync_nodes(self, now: float) -> None:
        """Hands the engine the inventory's nodes, then `DISPYCLUSTER_DISPY_NODES` (so that a node listed
        in both keeps its inventory name), every NODE_REFRESH_S."""
        if now < self._next_node_refresh:
            return
        self._next_node_refresh = now + NODE_REFRESH_S
        addresses = []
        if self._node_source is not None:
            with self._sessions() as session:
                addresses += self._node_source(session)
        addresses += [NodeAddress(spec, *split_host_port(spec)) for spec in self._settings.dispy_nodes]
        self._engine.sync_nodes(addresses)

    def purge(self, session: Session, now: float) -> None:
        """Deletes one batch of jobs finished before the retention; the next batch follows at the next
        step while a backlog remains, else in PURGE_INTERVAL_S."""
        if now < self._next_purge:
            return
        before = naive_utc_now() - timedelta(days=self._settings.job_retention_days)
        deleted = store.purge_finished(session, before, PURGE_BATCH)
        keys = idempotency.purge(
            session, naive_utc_now() - timedelta(hours=self._settings.idempotency_key_hours)
        )
        if deleted or keys:
            session.commit()
            log.info("deleted %d jobs finished before %s (DISPYCLUSTER_JOB_RETENTION_DAYS)", deleted, before)
        self._next_purge = now + (0.0 if deleted == PURGE_BATCH else PURGE_INTERVAL_S)

    def count(self, session: Session, now: float) -> None:
        """Refreshes the counts by state and the queued/running gauges every COUNTS_REFRESH_S."""
        if now < self._next_counts:
            return
        self._next_counts = now + COUNTS_REFRESH_S
        counts = store.counts_by_status(session)
        metrics.JOBS_QUEUED.set(counts[JobStatus.QUEUED])
        metrics.JOBS_RUNNING.set(counts[JobStatus.DISPATCHED] + counts[JobStatus.RUNNING])
        self.counts = counts
