"""What the dispatcher needs of an engine, and the values that cross between them.

`webapi.jobs.engine.DispyEngine` implements `Engine` on dispy; the tests use an in-memory fake. An engine
reports on its own threads through the callbacks given to `listen`, and never waits on a job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from webapi.core.timefmt import naive_utc_now


@dataclass(frozen=True)
class NodeAddress:
    name: str
    host: str
    port: int


class NodeStateName(StrEnum):
    CONNECTING = "connecting"
    UP = "up"
    DOWN = "down"
    REFUSED = "refused"


@dataclass
class DispyNodeState:
    """A node as the engine sees it; `message` says why it is not usable. (The collector's view of a node,
    from its exporter, is `webapi.monitoring.collection.state.NodeState`.)"""

    name: str
    host: str
    port: int
    ip: str | None
    state: NodeStateName = NodeStateName.CONNECTING
    message: str | None = None
    cpus: int | None = None
    busy: int | None = None
    jobs_done: int | None = None
    updated_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"state": self.state.value}


class UpdateKind(StrEnum):
    RUNNING = "running"
    PROGRESS = "progress"
    # Lines the job printed while it runs (dispy's provisional results carrying `{"output": [...]}`).
    OUTPUT = "output"
    FINISHED = "finished"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


ENDED = frozenset({UpdateKind.FINISHED, UpdateKind.TERMINATED, UpdateKind.CANCELLED, UpdateKind.ABANDONED})


@dataclass(frozen=True)
class JobUpdate:
    """What the engine reports of one submitted job (`key` is the one given to `Engine.submit`)."""

    key: str
    kind: UpdateKind
    node: str | None
    result: Any = None
    exception: str | None = None
    stdout: str = ""
    stderr: str = ""
    # OUTPUT: the `(stream, text)` lines, in the order the job printed them.
    output: tuple[tuple[str, str], ...] = ()
    # When the engine reported it (time.monotonic()): the dispatcher may apply it a step later.
    at: float = field(default_factory=time.monotonic)
    # The same moment on the wall clock (naive UTC): the job's started_at / finished_at.
    reported_at: datetime = field(default_factory=naive_utc_now)


@dataclass(frozen=True)
class Submission:
    """A job for the engine: `entry` of the module `source`, run on the node named `node` with `chunk` and
    `context`. Every update of it carries `key`."""

    key: str
    source: str
    entry: str
    chunk: dict[str, Any]
    context: dict[str, Any]
    node: str


class EngineError(RuntimeError):
    """The engine cannot take a job (no node configured, the cluster did not start, dispy refused it)."""


class Engine(Protocol):
    @property
    def route(self) -> str:
        """How the service reaches the nodes, in words."""

    @property
    def error(self) -> str | None:
        """Why the engine could not start, while it cannot."""

    def listen(
        self,
        on_update: Callable[[JobUpdate], None],
        on_change: Callable[[], None],
        on_node_up: Callable[[str], None],
    ) -> None:
        """Where to report job updates, changes that may give room (a node up or refused), and the name
        of each node that comes up. Called once, before any other method."""

    def sync_nodes(self, nodes: Iterable[NodeAddress]) -> None:
        """Follows this node list: uses new nodes, lets go of the ones no longer listed."""

    def nodes(self) -> list[DispyNodeState]:
        """Copies of the nodes' states."""

    def capacity(self) -> int:
        """CPUs of the nodes that are up: how many jobs can run at once."""

    def submit(self, jobs: Sequence[Submission]) -> dict[str, str]:
        """Hands the jobs over in their order, all at once; the ones it did not take, key → why."""

    def withdraw(self, key: str) -> bool:
        """Takes back a job its node has not started: True when it will not run (and nothing more is
        reported of it); False when it may have started, or the engine cannot tell: it goes on."""

    def cancel(self, key: str) -> bool:
        """Asks for the job to stop; False when the engine no longer knows it."""

    def close(self) -> None:
        """Stops the engine, terminating the jobs still out."""
