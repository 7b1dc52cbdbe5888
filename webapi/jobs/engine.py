"""The service's one long-lived dispy `JobCluster` (a `SharedJobCluster` when a dispyscheduler is
configured), and what it knows about each node.

Everything dispy reports arrives on dispy's own threads through one `cluster_status` callback and is
handed on as `JobUpdate`s; nothing here ever waits on a job. The cluster is created with the first
usable node (dispy would fall back to broadcast discovery with an empty node list). Through a
dispyscheduler, the scheduler talks to the nodes and relays their events; only the construction and the
re-discovery of nodes differ.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dispy
import pycos

from webapi.core.settings import Settings
from webapi.jobs import node_runtime
from webapi.jobs.dispatch.engine_api import (
    ENDED,
    DispyNodeState,
    EngineError,
    JobUpdate,
    NodeAddress,
    NodeStateName,
    UpdateKind,
)
from webapi.jobs.dispatch.outcomes import reported_output
from webapi.jobs.dispy_compat import LogTap, install_getargspec

log = logging.getLogger(__name__)


_KINDS = {
    dispy.DispyJob.Running: UpdateKind.RUNNING,
    dispy.DispyJob.ProvisionalResult: UpdateKind.PROGRESS,
    dispy.DispyJob.Finished: UpdateKind.FINISHED,
    dispy.DispyJob.Terminated: UpdateKind.TERMINATED,
    dispy.DispyJob.Cancelled: UpdateKind.CANCELLED,
    dispy.DispyJob.Abandoned: UpdateKind.ABANDONED,
}


# dispy's module-wide port settings as shipped (ClientPort is an expression dispy evaluates).
DISPY_PORT, CLIENT_PORT = dispy.config.DispyPort, dispy.config.ClientPort


def _resolve(host: str) -> str | None:
    try:
        return socket.gethostbyname(host)
    except OSError:
        return None


def _is_loopback(ip: str | None) -> bool:
    return ip is not None and ipaddress.ip_address(ip).is_loopback


def _port_in_use(host: str, port: int) -> bool:
    """True when a live socket holds the port. With SO_REUSEADDR, as dispy binds it: connections of a
    previous service left in TIME_WAIT (after `kill -9`) do not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


@dataclass(frozen=True)
class EngineConfig:
    secret: str
    client_host: str | None
    client_port: int
    pulse_interval: float
    recover_file: Path
    # (host, port) of a dispyscheduler: the nodes are then shared with its other clients.
    scheduler: tuple[str, int] | None = None
    # dispy's TLS: this certificate (and key, unless it is in the certificate file) serves the client's
    # side, and the nodes' certificates must verify against it.
    certfile: Path | None = None
    keyfile: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineConfig:
        return cls(
            secret=settings.dispy_secret.get_secret_value(),
            client_host=settings.dispy_host,
            client_port=settings.dispy_port,
            pulse_interval=settings.dispy_pulse_interval,
            recover_file=settings.data_dir / "dispy" / "recover",
            scheduler=settings.dispy_scheduler_address,
            certfile=settings.dispy_certfile,
            keyfile=settings.dispy_keyfile,
        )


def _path_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path.resolve())


def _ignore(*_args: Any) -> None:
    pass


class DispyEngine:
    """The `Engine` of the service (see `webapi.jobs.dispatch.engine_api`)."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._on_update: Callable[[JobUpdate], None] = _ignore
        self._on_change: Callable[[], None] = _ignore
        self._on_node_up: Callable[[str], None] = _ignore
        self._lock = threading.RLock()
        self._nodes: dict[tuple[str, int], DispyNodeState] = {}
        # dispy's own object for each node that is up, by address: handing it to `submit_job_id_node`
        # spares dispy a name lookup per job (a getaddrinfo call that competes for the GIL).
        self._dispy_nodes: dict[str, dispy.DispyNode] = {}
        self._jobs: dict[str, dispy.DispyJob] = {}
        # The node each job out was handed to, by key.
        self._placed: dict[str, str] = {}
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
                state = DispyNodeState(node.name, node.host, node.port, ip=_resolve(node.host))
                self._nodes[(node.host, node.port)] = state
                if state.ip is None:
                    self._refuse(state, f"cannot resolve {node.host!r}")
                elif not self._config.secret and not _is_loopback(state.ip):
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
            self._cluster = self._make_cluster(targets, all(_is_loopback(s.ip) for s in states))
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

    def _make_cluster(self, targets: list[tuple[str | None, int]], loopback: bool) -> dispy.JobCluster:
        install_getargspec()
        scheduler = self._config.scheduler
        if scheduler is not None:
            # The client only talks to the scheduler: its address decides the loopback default.
            loopback = _is_loopback(_resolve(scheduler[0]))
        host = self._config.client_host or ("127.0.0.1" if loopback else None)
        if _port_in_use(host or "0.0.0.0", self._config.client_port):
            raise EngineError(
                f"dispy client port {self._config.client_port} is in use: another DispyCluster service "
                "(or uvicorn worker) already owns it; run one worker only, or set DISPYCLUSTER_DISPY_PORT"
            )
        # Both loggers write to stdout by default, which may be closed before dispy's atexit hook runs.
        dispy.logger.stream = pycos.logger.stream = LogTap(self._refused_by_log)
        self._config.recover_file.parent.mkdir(parents=True, exist_ok=True)
        common: dict[str, Any] = {
            "nodes": targets,
            "setup": node_runtime.dispycluster_setup,
            "cluster_status": self._cluster_status,
            "secret": self._config.secret,
            "loglevel": dispy.logger.WARNING,
            "recover_file": str(self._config.recover_file),
            "certfile": _path_or_none(self._config.certfile),
            "keyfile": _path_or_none(self._config.keyfile),
        }
        if scheduler is None:
            return dispy.JobCluster(
                node_runtime.dispycluster_run,
                host=host,
                dispy_port=self._config.client_port,
                pulse_interval=self._config.pulse_interval,
                **common,
            )
        return self._make_shared_cluster(scheduler, host, common)

    def _make_shared_cluster(
        self, scheduler: tuple[str, int], host: str | None, common: dict[str, Any]
    ) -> dispy.SharedJobCluster:
        """A SharedJobCluster: the pulse interval is the scheduler's (`--pulse_interval`), `secret` is its
        `--cluster_secret`, and dispy finds the scheduler on `dispy_port + 2`."""
        sched_host, sched_port = scheduler
        try:
            # Checked first: it says why plainly, and costs no half-built dispy client.
            socket.create_connection((sched_host, sched_port), timeout=5).close()
        except OSError as exc:
            raise EngineError(f"cannot reach dispyscheduler at {sched_host}:{sched_port}: {exc}") from None
        try:
            # `ip_addr`, not `host`: SharedJobCluster computes its own address from `ip_addr` only.
            return dispy.SharedJobCluster(
                node_runtime.dispycluster_run,
                ip_addr=host,
                scheduler_host=sched_host,
                dispy_port=sched_port - 2,
                client_port=self._config.client_port,
                **common,
            )
        except Exception as exc:
            # The half-built client still holds its port: released, so that the next attempt can bind it.
            half_built = pycos.Singleton.instance(dispy._Cluster)
            if half_built is not None:
                with contextlib.suppress(Exception):
                    half_built.shutdown()
            raise EngineError(
                f"dispyscheduler at {sched_host}:{sched_port} refused the service ({exc!r}): check that "
                "DISPYCLUSTER_DISPY_SECRET is its --cluster_secret and that both run the same dispy version"
            ) from None
        finally:
            # SharedJobCluster sets these module-wide; put back dispy's defaults for any later cluster.
            dispy.config.DispyPort, dispy.config.ClientPort = DISPY_PORT, CLIENT_PORT

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

    def submit(
        self, key: str, source: str, entry: str, chunk: dict[str, Any], context: dict[str, Any], *, node: str
    ) -> None:
        """Hands the job to dispy for the node `node` (dispy's per-node submission: dispy queues it for
        that node alone)."""
        if self._cluster is None:
            raise EngineError(self._error or "no dispy node is configured")
        with self._lock:
            ip = next((state.ip for state in self._nodes.values() if state.name == node), None)
            target = self._dispy_nodes.get(ip, ip) if ip is not None else None
        if target is None:
            raise EngineError(f"dispy does not know node {node!r}")
        job = self._cluster.submit_job_id_node(key, target, source, entry, chunk, context)
        if job is None:
            raise EngineError(f"dispy refused the job for node {node!r}")
        with self._lock:
            self._jobs[key] = job
            self._placed[key] = node

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
