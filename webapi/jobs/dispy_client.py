"""How the service's dispy client is made from its settings: a `JobCluster` talking to the nodes, or a
`SharedJobCluster` through a dispyscheduler, each with the job runtime of `webapi.jobs.node_runtime`."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dispy
import pycos

from webapi.core.settings import Settings
from webapi.jobs import node_runtime
from webapi.jobs.dispatch.engine_api import EngineError
from webapi.jobs.dispy_compat import LogTap, install_getargspec, notify_inline

# dispy's module-wide port settings as shipped (ClientPort is an expression dispy evaluates).
DISPY_PORT, CLIENT_PORT = dispy.config.DispyPort, dispy.config.ClientPort


def resolve(host: str) -> str | None:
    try:
        return socket.gethostbyname(host)
    except OSError:
        return None


def is_loopback(ip: str | None) -> bool:
    return ip is not None and ipaddress.ip_address(ip).is_loopback


def port_in_use(host: str, port: int) -> bool:
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


def make_cluster(
    config: EngineConfig,
    targets: list[tuple[str | None, int]],
    loopback: bool,
    on_status: Callable[[int, Any, Any], None],
    on_refused: Callable[[str, str], None],
) -> dispy.JobCluster:
    """The client for `targets` (all on loopback: `loopback`), reporting through `on_status` (dispy's
    `cluster_status`) and `on_refused` (a node refused the client, as dispy only logs it); raises
    `EngineError` saying why it cannot be made."""
    install_getargspec()
    scheduler = config.scheduler
    if scheduler is not None:
        # The client only talks to the scheduler: its address decides the loopback default.
        loopback = is_loopback(resolve(scheduler[0]))
    host = config.client_host or ("127.0.0.1" if loopback else None)
    if port_in_use(host or "0.0.0.0", config.client_port):
        raise EngineError(
            f"dispy client port {config.client_port} is in use: another DispyCluster service "
            "(or uvicorn worker) already owns it; run one worker only, or set DISPYCLUSTER_DISPY_PORT"
        )
    # Both loggers write to stdout by default, which may be closed before dispy's atexit hook runs.
    dispy.logger.stream = pycos.logger.stream = LogTap(on_refused)
    config.recover_file.parent.mkdir(parents=True, exist_ok=True)
    common: dict[str, Any] = {
        "nodes": targets,
        "setup": node_runtime.dispycluster_setup,
        "cluster_status": on_status,
        "secret": config.secret,
        "loglevel": dispy.logger.WARNING,
        "recover_file": str(config.recover_file),
        "certfile": _path_or_none(config.certfile),
        "keyfile": _path_or_none(config.keyfile),
    }
    if scheduler is None:
        cluster = dispy.JobCluster(
            node_runtime.dispycluster_run,
            host=host,
            dispy_port=config.client_port,
            pulse_interval=config.pulse_interval,
            **common,
        )
    else:
        cluster = _make_shared_cluster(config, scheduler, host, common)
    notify_inline(cluster._cluster)
    return cluster


def _make_shared_cluster(
    config: EngineConfig, scheduler: tuple[str, int], host: str | None, common: dict[str, Any]
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
            client_port=config.client_port,
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
