"""An in-memory `Engine` for the dispatcher's unit tests: nothing runs; the test says what each job does.

It follows the contract of `webapi.jobs.dispatch.engine_api.Engine` as the dispy engine does: `submit`
answers the jobs it did not take with why, an update carries the key given at submission, `cancel` of a
job it no longer holds answers False.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from webapi.jobs.dispatch.engine_api import (
    ENDED,
    DispyNodeState,
    JobUpdate,
    NodeAddress,
    NodeStateName,
    Submission,
    UpdateKind,
)


@dataclass
class FakeClock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeEngine:
    clock: Callable[[], float]
    route: str = "in memory (test)"
    error: str | None = None
    # Why the next submissions are refused (None: they are taken), for all of them or by node.
    refusal: str | None = None
    refusals: dict[str, str] = field(default_factory=dict)
    held: dict[str, Submission] = field(default_factory=dict)
    submitted: list[Submission] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # Keys reported running: a job its node started cannot be taken back.
    started: set[str] = field(default_factory=set)
    withdrawn: list[str] = field(default_factory=list)
    synced: list[list[NodeAddress]] = field(default_factory=list)
    closed: bool = False
    _nodes: dict[str, DispyNodeState] = field(default_factory=dict)
    _on_update: Callable[[JobUpdate], None] | None = None
    _on_change: Callable[[], None] | None = None
    _on_node_up: Callable[[str], None] | None = None

    # -- the Engine protocol ------------------------------------------------------------------------
    def listen(
        self,
        on_update: Callable[[JobUpdate], None],
        on_change: Callable[[], None],
        on_node_up: Callable[[str], None],
    ) -> None:
        self._on_update, self._on_change, self._on_node_up = on_update, on_change, on_node_up

    def sync_nodes(self, nodes: Iterable[NodeAddress]) -> None:
        self.synced.append(list(nodes))

    def nodes(self) -> list[DispyNodeState]:
        return [DispyNodeState(**vars(state)) for state in self._nodes.values()]

    def capacity(self) -> int:
        return sum(s.cpus or 0 for s in self._nodes.values() if s.state == NodeStateName.UP)

    def submit(self, jobs: Sequence[Submission]) -> dict[str, str]:
        refused = {}
        for submission in jobs:
            why = self.refusal or self.refusals.get(submission.node)
            if why is not None:
                refused[submission.key] = why
                continue
            self.held[submission.key] = submission
            self.submitted.append(submission)
        return refused

    def withdraw(self, key: str) -> bool:
        if key not in self.held or key in self.started:
            return False
        self.held.pop(key)
        self.withdrawn.append(key)
        return True

    def cancel(self, key: str) -> bool:
        self.cancelled.append(key)
        return key in self.held

    def close(self) -> None:
        self.closed = True

    # -- what the test makes happen --------------------------------------------------------------------
    def node(
        self, name: str, cpus: int = 2, state: NodeStateName = NodeStateName.UP, message: str | None = None
    ) -> None:
        """A node as the engine would see it; one coming up is announced as the dispy engine does."""
        self._nodes[name] = DispyNodeState(
            name, name, 9701, "127.0.0.1", state, message, cpus, 0, 0, self.clock()
        )
        if state == NodeStateName.UP and self._on_node_up is not None:
            self._on_node_up(name)
        if self._on_change is not None:
            self._on_change()

    def report(self, key: str, kind: UpdateKind, node: str | None = "n1", **fields: Any) -> None:
        if kind in ENDED:
            self.held.pop(key, None)
        elif kind == UpdateKind.RUNNING:
            self.started.add(key)
        assert self._on_update is not None, "the dispatcher listens from its construction"
        self._on_update(JobUpdate(key=key, kind=kind, node=node, at=self.clock(), **fields))

    def run(self, key: str, node: str = "n1") -> None:
        self.report(key, UpdateKind.RUNNING, node)

    def finish(self, key: str, result: Any = None, node: str = "n1", **fields: Any) -> None:
        """Ends the chunk as `node_runtime.dispycluster_run` replies: {"ok": True, "result": result}."""
        self.report(key, UpdateKind.FINISHED, node, result={"ok": True, "result": result}, **fields)

    def output(self, key: str, *lines: tuple[str, str], node: str = "n1") -> None:
        """Lines the chunk printed while running, as the dispy engine reports a provisional output."""
        self.report(
            key, UpdateKind.OUTPUT, node, result={"output": [list(line) for line in lines]}, output=lines
        )

    def submitted_keys(self) -> list[str]:
        return [submission.key for submission in self.submitted]
