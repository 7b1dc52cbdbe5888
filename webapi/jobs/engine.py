"""The service's one long-lived dispy `JobCluster` (a `SharedJobCluster` when a dispyscheduler is
configured), and what it knows about each node.

Everything dispy reports arrives on its scheduler thread (`dispy_compat.notify_inline`) through one
`cluster_status` callback, which must never block there, and is handed on as `JobUpdate`s; nothing
here ever waits on a job. The cluster is created with the first usable node (dispy would fall back to
broadcast discovery with an empty node list). Through a dispyscheduler, the scheduler talks to the
nodes and relays their events; only the construction (`webapi.jobs.dispy_client`) and the re-discovery
of nodes differ.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import dispy

from webapi.jobs.dispatch.engine_api import (
    ENDED,
    DispyNodeState,
    EngineError,
    JobUpdate,
    NodeAddress,
    NodeStateName,
    Submission,
    UpdateKind,
)
from webapi.jobs.dispatch.outcomes import reported_output
from webapi.jobs.dispy_client import EngineConfig, is_loopback, make_cluster, resolve
from webapi.jobs.dispy_compat import cancel_if_waiting, pinned_job, submit_pinned

log = logging.getLogger(__name__)


_KINDS = {
    dispy.DispyJob.Running: UpdateKind.RUNNING,
    dispy.DispyJob.ProvisionalResult: UpdateKind.PROGRESS,
    dispy.DispyJob.Finished: UpdateKind.FINISHED,
    dispy.DispyJob.Terminated: UpdateKind.TERMINATED,
    dispy.DispyJob.Cancelled: UpdateKind.CANCELLED,
    dispy.DispyJob.Abandoned: UpdateKind.ABANDONED,
}


def _ignore(*_args: Any) -> None:
    pass


def _args(job: Submission) -> tuple[Any, ...]:
    """The arguments of the node runtime's entry function (`node_runtime.dispycluster_run`)."""
    return job.source, job.entry, job.chunk, job.context


class DispyEngine:
    """The `Engine` of the service (see `webapi.jobs.dispatch.engine_api`)."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._on_update: Callable[[JobUpdate], None] = _ignore
        self._on_change: Callable[[], None] = _ignore
        self._on_node_up: Callable[[str], None] = _ignore
        self._lock = threading.RLock()
        self._nodes: dict[tuple[str, int], DispyNodeState] = {}
        # dispy's own object for each node that is up, by address: jobs go to it without a name lookup
        # per job (a getaddrinfo call that competes for the GIL).
        self._dispy_nodes: dict[str, dispy.DispyNode] = {}
        self._jobs: dict[str, dispy.DispyJob] = {}
        # The node each job out was handed to, by key.
        self._placed: dict[str, str] = {}
        # Jobs taken back (`withdraw`): dispy's report that it cancelled them is not passed on.
        self._withdrawn: set[str] = set()
        self._cluster: dispy.JobCluster | None = None
        self._error: str | None = None

    def listen(
        self,
        on_update: Callable[[JobUpdate], None],
        on_change: Callable[[], None],
        on_node_up: Callable[[str], None],
    ) -> None:
        self._on_update, self._on_change, self._on_node_up = on_update, on_change, on_node_up

    # -- nodes -------------------------------------------------------------------------------------
    def sync_nodes(self, nodes: Iterable[NodeAddress]) -> None:
        """Follows the node list: starts using the nodes not known yet, pings again the known ones that
        are not up (dispy pings an explicit node once: a node started after the service would never be
        found), and lets go of the ones no longer listed: health and capacity stop counting them and
        dispy deallocates them (no new job goes there; the running ones finish)."""
        fresh: list[DispyNodeState] = []
        nodes = list(nodes)
        with self._lock:
            listed = {(node.host, node.port) for node in nodes}
            removed = [self._nodes.pop(key) for key in self._nodes.keys() - listed]
            # dispy knows a node by its address alone: one still listed on another port stays.
            kept_ips = {state.ip for state in self._nodes.values()}
            for state in removed:
                if state.ip not in kept_ips:
                    self._dispy_nodes.pop(state.ip or "", None)
        for state in removed:
            if state.ip is not None and state.ip not in kept_ips:
                self._release(state)
        with self._lock:
            for node in nodes:
                known = self._nodes.get((node.host, node.port))
                if known is not None:
                    if known.state in (NodeStateName.CONNECTING, NodeStateName.DOWN):
                        fresh.append(known)
                    continue
                state = DispyNodeState(node.name, node.host, node.port, ip=resolve(node.host))
                self._nodes[(node.host, node.port)] = state
                if state.ip is None:
                    self._refuse(state, f"cannot resolve {node.host!r}")
                elif not self._config.secret and not is_loopback(state.ip):
                    self._refuse(state, "DISPYCLUSTER_DISPY_SECRET must be set to use a node off loopback")
                else:
                    if self._config.scheduler is not None:
                        state.message = f"not reported yet {self.route}"
                    fresh.append(state)
        if fresh:
            self._connect(fresh)

    def _release(self, state: DispyNodeState) -> None:
        """dispy stops sending jobs to the node (the ones running there finish); `allocate_node` takes it
        back if it is listed again. Deallocated rather than closed: dispy would not set a closed node up
        again for this client."""
        log.info(
            "dispy node %s (%s:%s) left the node list: no new job goes there",
            state.name,
            state.host,
            state.port,
        )
        if self._cluster is not None:
            self._cluster.deallocate_node(state.ip)

    def _refuse(self, state: DispyNodeState, message: str) -> None:
        state.state, state.message, state.updated_at = NodeStateName.REFUSED, message, time.time()
        log.warning("dispy node %s (%s:%s) refused: %s", state.name, state.host, state.port, message)

    def _connect(self, states: list[DispyNodeState]) -> None:
        targets = [(state.ip, state.port) for state in states]
        cluster = self._cluster  # read once: close() may clear it from another thread
        if cluster is not None:
            self._rediscover(cluster, targets)
            return
        try:
            self._cluster = make_cluster(
                self._config,
                targets,
                all(is_loopback(s.ip) for s in states),
                self._cluster_status,
                self._refused_by_log,
            )
            self._error = None  # an earlier attempt may have failed (e.g. the scheduler was not up yet)
        except EngineError as exc:
            self._error = str(exc)
            with self._lock:
                for state in states:
                    state.state, state.message = NodeStateName.DOWN, str(exc)
            log.error("%s", exc)

    def _rediscover(self, cluster: dispy.JobCluster, targets: list[tuple[str | None, int]]) -> None:
        if self._config.scheduler is None:
            cluster.discover_nodes(targets)
        # Through a scheduler, the scheduler (not this client) pings the nodes: adding a node to the
        # computation there makes it ping the ones it has not got yet. Directly, this takes back a node
        # deallocated when it left the list. The answer is 0, or -1 when the scheduler cannot be reached.
        for target in targets:
            if cluster.allocate_node(target) != 0:
                log.warning("dispy did not take node %s:%s (%s)", *target, self.route)

    @property
    def route(self) -> str:
        """How the service reaches the nodes, as the node and health answers say it."""
        if self._config.scheduler is None:
            return "direct (embedded JobCluster)"
        return "via dispyscheduler {}:{}".format(*self._config.scheduler)

    def _refused_by_log(self, ip: str, message: str) -> None:
        with self._lock:
            for state in self._nodes.values():
                if state.ip == ip and state.state != NodeStateName.UP:
                    self._refuse(state, message)
        self._on_change()

    def _states_for_ip(self, ip: str | None) -> list[DispyNodeState]:
        return [state for state in self._nodes.values() if state.ip == ip]

    def _node_event(self, status: int, node: dispy.DispyNode) -> bool:
        """Records what dispy says of `node`; True when that changed whether it is up."""
        joined, changed, stranded = [], False, []
        with self._lock:
            if status == dispy.DispyNode.Closed:
                self._dispy_nodes.pop(node.ip_addr, None)
            else:
                self._dispy_nodes[node.ip_addr] = node
            for state in self._states_for_ip(node.ip_addr):
                if status == dispy.DispyNode.Closed:
                    changed |= state.state == NodeStateName.UP
                    state.state, state.message = NodeStateName.DOWN, self._closed_message()
                    stranded += self._stranded(state.name)
                else:
                    if state.state != NodeStateName.UP:
                        joined.append(state.name)
                    state.state, state.message = NodeStateName.UP, None
                state.cpus, state.busy, state.jobs_done = node.cpus, node.busy, node.jobs_done
                state.updated_at = time.time()
        for name in joined:
            self._on_node_up(name)
        for key, name in stranded:
            self._on_update(JobUpdate(key=key, kind=UpdateKind.ABANDONED, node=name))
        return changed or bool(joined)

    def _stranded(self, name: str) -> list[tuple[str, str]]:
        """The jobs handed to node `name` that never started there (under the lock). When dispy finds a
        node dead, it abandons the jobs running there but drops the ones waiting for it without a word:
        reported here as abandoned, so that they end `lost` (and are retried) instead of waiting forever."""
        keys = [
            key
            for key, job in self._jobs.items()
            if self._placed.get(key) == name and job.status == dispy.DispyJob.Created
        ]
        for key in keys:
            self._jobs.pop(key)
            self._placed.pop(key)
        return [(key, name) for key in keys]

    def _closed_message(self) -> str:
        message = "not responding (no pulse) or closed"
        return message if self._config.scheduler is None else f"{message}, as reported {self.route}"

    def node_name(self, ip: str | None) -> str | None:
        with self._lock:
            states = self._states_for_ip(ip)
        return states[0].name if states else ip

    def nodes(self) -> list[DispyNodeState]:
        with self._lock:
            return [replace(state) for state in self._nodes.values()]

    def capacity(self) -> int:
        """CPUs of the nodes that are up: how many jobs can run at once."""
        with self._lock:
            return sum(s.cpus or 0 for s in self._nodes.values() if s.state == NodeStateName.UP)

    @property
    def error(self) -> str | None:
        return self._error

    # -- jobs --------------------------------------------------------------------------------------
    def _cluster_status(self, status: int, node: Any, job: Any) -> None:
        if job is None:
            if node is not None:
                self._node_event(status, node)
                self._on_change()
            return
        kind = _KINDS.get(status)
        if kind is None:
            return
        if kind == UpdateKind.CANCELLED and job.id in self._withdrawn:
            self._withdrawn.discard(job.id)
            return
        output = reported_output(job.result) if kind == UpdateKind.PROGRESS else None
        if output is not None:
            kind = UpdateKind.OUTPUT
        if kind in ENDED:
            with self._lock:
                self._jobs.pop(job.id, None)
                self._placed.pop(job.id, None)
        # The node's busy/done figures ride along; only a node coming up wakes the dispatcher here (the
        # update itself wakes it when a job ended, not when one started).
        if node is not None and self._node_event(dispy.DispyNode.AvailInfo, node):
            self._on_change()
        self._on_update(
            JobUpdate(
                key=job.id,
                kind=kind,
                node=self.node_name(job.ip_addr),
                result=job.result,
                exception=job.exception,
                stdout=job.stdout or "",
                stderr=job.stderr or "",
                output=output or (),
            )
        )

    def submit(self, jobs: Sequence[Submission]) -> dict[str, str]:
        """Hands the jobs to dispy, each for its node (dispy's per-node submission: dispy queues it for
        that node alone)."""
        cluster = self._cluster  # read once: close() may clear it from another thread
        if cluster is None:
            return dict.fromkeys((job.key for job in jobs), self._error or "no dispy node is configured")
        refused: dict[str, str] = {}
        targets: list[tuple[Submission, dispy.DispyNode]] = []
        with self._lock:
            ips = {state.name: state.ip for state in self._nodes.values()}
            for job in jobs:
                node = self._dispy_nodes.get(ips.get(job.node) or "")
                if node is None:
                    refused[job.key] = f"dispy does not know node {job.node!r}"
                else:
                    targets.append((job, node))
        send = self._send_shared if self._config.scheduler is not None else self._send_direct
        for job in send(cluster, targets):
            refused[job.key] = f"dispy refused the job for node {job.node!r}"
        return refused

    def _send_direct(
        self, cluster: dispy.JobCluster, targets: list[tuple[Submission, dispy.DispyNode]]
    ) -> list[Submission]:
        """All in one hand-over to dispy's scheduler thread; the ones dispy did not take."""
        pinned = [(job, pinned_job(cluster, job.key, _args(job)), node.ip_addr) for job, node in targets]
        with self._lock:
            # Known before dispy can report them: an end may come before `submit_pinned` returns.
            for job, dispy_job, _ in pinned:
                self._jobs[job.key], self._placed[job.key] = dispy_job, job.node
        taken = submit_pinned(cluster, [(dispy_job, ip) for _, dispy_job, ip in pinned])
        not_taken = [job for (job, _, _), ok in zip(pinned, taken, strict=True) if not ok]
        with self._lock:
            for job in not_taken:
                self._jobs.pop(job.key, None)
                self._placed.pop(job.key, None)
        return not_taken

    def _send_shared(
        self, cluster: dispy.JobCluster, targets: list[tuple[Submission, dispy.DispyNode]]
    ) -> list[Submission]:
        """One at a time: a SharedJobCluster sends each job to the dispyscheduler itself."""
        not_taken = []
        for job, node in targets:
            dispy_job = cluster.submit_job_id_node(job.key, node, *_args(job))
            if dispy_job is None:
                not_taken.append(job)
                continue
            with self._lock:
                self._jobs[job.key], self._placed[job.key] = dispy_job, job.node
        return not_taken

    def withdraw(self, key: str) -> bool:
        """Takes back a job dispy has not sent to its node yet. Through a dispyscheduler the client cannot
        tell whether the scheduler sent it already: the job is left to run."""
        with self._lock:
            job = self._jobs.get(key)
        cluster = self._cluster
        if job is None or cluster is None or self._config.scheduler is not None:
            return False
        self._withdrawn.add(key)
        if not cancel_if_waiting(cluster, job):
            self._withdrawn.discard(key)
            return False
        with self._lock:
            self._jobs.pop(key, None)
            self._placed.pop(key, None)
        return True

    def cancel(self, key: str) -> bool:
        """Asks dispy to stop the job (queued: at once; running: the node interrupts, then kills it)."""
        with self._lock:
            job = self._jobs.get(key)
        if job is None or self._cluster is None:
            return False
        answer: int = self._cluster.cancel(job)
        return answer == 0

    def close(self) -> None:
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5, terminate=True)
