"""The dispatcher's own CPU per job with placement and guards at work, against the same dispatcher with
neither, in alternating rounds in one run (issue 14: placement and guards add <= 5 %).

The dispatcher alone, as the service runs it (its step, its SQLite writes), on a migrated SQLite file;
the engine is an in-memory one with 4 nodes of 4 CPUs that reports each job it holds running, then
finished, after every step: no dispy and no node, whose costs would drown the dispatcher's in noise.
- plain: jobs without placement; every guard switched off, no inventory facts, no collector.
- placed: half the jobs want `arch=arm64`, half name two nodes; the nodes carry labels, a fifth node is
  drained; every guard on, each node's condition read from a collector-like source every second.
Process CPU time over ROUNDS rounds of JOBS jobs each from queued to succeeded; the median per job.
"""

from __future__ import annotations

import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from webapi.core.db import migrate
from webapi.core.runtime import Runtime
from webapi.core.settings import load_settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.dispatch.engine_api import (
    DispyNodeState,
    JobUpdate,
    NodeAddress,
    NodeStateName,
    Submission,
    UpdateKind,
)
from webapi.jobs.dispatch.guards import Condition, Drain
from webapi.jobs.dispatch.nodeboard import NodeFacts
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.registry import Registry
from webapi.jobs.states import JobStatus
from webapi.jobs.tables import Job

JOBS = 2000
ROUNDS = 9
NODES = ("n1", "n2", "n3", "n4")
CPUS = 4
GOAL = 1.05
GUARDS_OFF = {"guard_exporter": False, "guard_temperature": False, "guard_power": False, "guard_disk": False}


class InstantEngine:
    """Takes every job and, when told, reports each one it holds running and then finished on its node."""

    route = "in memory (bench)"
    error = None

    def __init__(self, names: Iterable[str]) -> None:
        self._states = [
            DispyNodeState(name, name, 9701, "127.0.0.1", NodeStateName.UP, None, CPUS, 0, 0, time.time())
            for name in names
        ]
        self._held: list[tuple[str, str]] = []
        self.finished = 0
        self._on_update: Callable[[JobUpdate], None] = lambda _update: None

    def listen(self, on_update: Callable[[JobUpdate], None], _on_change: Any, _on_node_up: Any) -> None:
        self._on_update = on_update

    def sync_nodes(self, nodes: Iterable[NodeAddress]) -> None:
        pass

    def nodes(self) -> list[DispyNodeState]:
        return list(self._states)

    def capacity(self) -> int:
        return CPUS * len(self._states)

    def submit(self, jobs: Sequence[Submission]) -> dict[str, str]:
        self._held += [(job.key, job.node) for job in jobs]
        return {}

    def withdraw(self, key: str) -> bool:
        return False

    def cancel(self, key: str) -> bool:
        return False

    def close(self) -> None:
        pass

    def run_all(self) -> None:
        held, self._held = self._held, []
        self.finished += len(held)
        for key, node in held:
            self._on_update(JobUpdate(key, UpdateKind.RUNNING, node))
            self._on_update(JobUpdate(key, UpdateKind.FINISHED, node, result={"ok": True, "result": None}))


def _facts(_session: Session) -> list[NodeFacts]:
    labels = {"n1": "arm64", "n2": "arm64", "n3": "amd64", "n4": "amd64"}
    facts = [NodeFacts(name, {"arch": arch}) for name, arch in labels.items()]
    return [*facts, NodeFacts("spare", {"arch": "arm64"}, Drain("bench"))]


def _condition(_name: str) -> Condition:
    return Condition(
        exporter_up=True, temperature=52.0, under_voltage=False, throttled=False, disk_percent=41.0
    )


def _fill(runtime: Runtime, placed: bool) -> None:
    now = naive_utc_now()
    placements = [{"labels": {"arch": "arm64"}}, {"nodes": ["n3", "n4"]}] if placed else [None]
    rows = [
        {
            "name": "bench",
            "type": "processing",
            "parameters": {"command": ["true"]},
            "status": JobStatus.QUEUED.value,
            "priority": 5,
            "created_at": now,
            "attempts": 0,
            "max_retries": 0,
            "progress": 0.0,
            "cancel_requested": False,
            "log_bytes": 0,
            "placement": placements[i % len(placements)],
        }
        for i in range(JOBS)
    ]
    with runtime.sessions() as session:
        session.execute(insert(Job), rows)
        session.commit()


def _succeeded(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        query = select(func.count()).select_from(Job).where(Job.status == JobStatus.SUCCEEDED.value)
        return int(session.scalar(query) or 0)


def one_round(template: Path, tmp: Path, placed: bool) -> float:
    """Dispatcher CPU per job, in ms, for JOBS jobs from queued to succeeded."""
    path = tmp / f"{'placed' if placed else 'plain'}.db"
    shutil.copy(template, path)
    settings = load_settings(data_dir=tmp, database_url=f"sqlite:///{path}", **({} if placed else GUARDS_OFF))
    runtime = Runtime.from_settings(settings)
    _fill(runtime, placed)
    engine = InstantEngine([*NODES, "spare"] if placed else NODES)
    registry = Registry.from_entry_points()
    dispatcher = JobDispatcher(
        settings,
        runtime.sessions,
        runtime.events,
        engine,
        registry=registry,
        facts_source=_facts if placed else None,
        condition_source=_condition if placed else None,
    )
    dispatcher.refresh_nodes()
    # The previous round's garbage is collected now, not on this round's time (it made the second
    # variant of each pair ~20 % slower, whichever it was).
    gc.collect()
    started = time.process_time()
    while engine.finished < JOBS:
        dispatcher.step()
        before = engine.finished
        engine.run_all()
        if engine.finished == before:  # every job left queued has a node with room: none may wait
            raise RuntimeError(f"a step handed no job over; {_succeeded(runtime)} of {JOBS} succeeded")
    dispatcher.step()  # applies the last reports
    cpu = time.process_time() - started
    assert _succeeded(runtime) == JOBS, "every job should have succeeded"
    runtime.engine.dispose()
    return cpu / JOBS * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as name:
        tmp = Path(name)
        template = tmp / "template.db"
        runtime = Runtime.from_settings(load_settings(data_dir=tmp, database_url=f"sqlite:///{template}"))
        migrate.upgrade(runtime.engine)
        runtime.engine.dispose()
        # As `dispycluster web` does once its modules are imported: unfrozen, each full collection
        # walks the ~120,000 objects of the imports, and the variant that allocates more (placed)
        # paid for more of them (up to +20 % at 3,000 jobs a round, none of it the dispatcher's own).
        gc.collect()
        gc.freeze()
        plain, placed = [], []
        for _ in range(ROUNDS):
            plain.append(one_round(template, tmp, placed=False))
            placed.append(one_round(template, tmp, placed=True))
    ratio = statistics.median(placed) / statistics.median(plain)
    print(f"dispatcher CPU per job, {JOBS} jobs per round, {ROUNDS} alternating rounds:")
    print("  plain (no placement, guards off): " + " / ".join(f"{v:.3f}" for v in plain) + " ms")
    print("  placed (placement + guards on):   " + " / ".join(f"{v:.3f}" for v in placed) + " ms")
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(
        f"  medians {statistics.median(plain):.3f} → {statistics.median(placed):.3f} ms, ratio {ratio:.3f} "
        f"(goal <= {GOAL}: {verdict})"
    )


if __name__ == "__main__":
    main()
