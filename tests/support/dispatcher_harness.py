"""The dispatcher on a migrated database with the in-memory engine and a hand-moved clock: no dispy, no
thread; each test calls `step()` itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.jobs import sample_task_node
from tests.jobs.fake_engine import FakeClock, FakeEngine
from tests.support.database import database_url, postgres_requested
from webapi.core.db import migrate
from webapi.core.runtime import Runtime
from webapi.core.settings import Settings, load_settings
from webapi.core.timefmt import naive_utc_now
from webapi.jobs.dispatch.engine_api import NodeAddress
from webapi.jobs.dispatch.guards import UNKNOWN, Condition
from webapi.jobs.dispatch.nodeboard import NodeFacts
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.plugin_api import JobReader
from webapi.jobs.registry import Registry, TaskType
from webapi.jobs.tables import Job, JobLog


class EchoParams(BaseModel):
    text: str = "hello"


class SplitParams(BaseModel):
    parts: int = 3
    fail_merge: bool = False


def _split(params: SplitParams, _jobs: JobReader) -> list[dict[str, Any]]:
    if params.parts < 0:
        raise ValueError("parts must not be negative")
    return [{"part": i} for i in range(params.parts)]


def _merge(results: list[Any], params: SplitParams) -> Any:
    if params.fail_merge:
        raise ValueError("the parts do not fit")
    return sum(results)


ECHO = TaskType(
    "echo", "One chunk.", EchoParams, sample_task_node.run, context=lambda s: {"limit": s.job_log_limit}
)
SPLIT = TaskType(
    "split", "Several chunks, summed.", SplitParams, sample_task_node.run, split=_split, merge=_merge
)
REGISTRY = Registry([ECHO, SPLIT])


@dataclass
class Harness:
    dispatcher: JobDispatcher
    engine: FakeEngine
    clock: FakeClock
    runtime: Runtime

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def add_job(self, type_: str = "echo", parameters: dict[str, Any] | None = None, **fields: Any) -> int:
        values = {"max_retries": 0, "priority": 5} | fields
        with self.runtime.sessions() as session:
            job = Job(
                name=f"{type_} job",
                type=type_,
                parameters=parameters or {},
                status="queued",
                created_at=naive_utc_now(),
                **values,
            )
            session.add(job)
            session.commit()
            job_id = job.id
        self.dispatcher.wake()
        return job_id

    def job(self, job_id: int) -> Job:
        with self.runtime.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            session.expunge(job)
            return job

    def logs(self, job_id: int) -> list[tuple[str, str]]:
        with self.runtime.sessions() as session:
            rows = session.execute(
                select(JobLog.stream, JobLog.text).where(JobLog.job_id == job_id).order_by(JobLog.id)
            )
            return [(stream, text) for stream, text in rows]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: a migration per test would cost more than the test."""
    path = tmp_path_factory.mktemp("template") / "jobs.db"
    runtime = Runtime.from_settings(load_settings(data_dir=path.parent, database_url=f"sqlite:///{path}"))
    migrate.upgrade(runtime.engine)
    runtime.engine.dispose()
    return path


def inventory(_session: Session) -> list[NodeAddress]:
    return [NodeAddress("inv1", "10.0.0.1", 9701)]


@dataclass
class NodeWorld:
    """What the inventory, the drains and the collector say of each node: the test changes it."""

    facts: dict[str, NodeFacts] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)

    def facts_source(self, _session: Session) -> list[NodeFacts]:
        return list(self.facts.values())

    def condition(self, name: str) -> Condition:
        return self.conditions.get(name, UNKNOWN)


def make_harness(tmp_path: Path, migrated_sqlite: Path, world: NodeWorld | None = None) -> Harness:
    url = database_url(tmp_path / "jobs.db")
    if not postgres_requested():
        shutil.copy(migrated_sqlite, tmp_path / "jobs.db")
    settings = load_settings(
        data_dir=tmp_path,
        database_url=url,
        job_retry_backoff_s=10.0,
        jobs_per_cpu=2,
        dispy_nodes=["n1:9999", "bare"],
        guard_clear_after_s=30.0,
    )
    runtime = Runtime.from_settings(settings)
    if postgres_requested():
        migrate.upgrade(runtime.engine)
    clock = FakeClock()
    engine = FakeEngine(clock)
    dispatcher = JobDispatcher(
        settings,
        runtime.sessions,
        runtime.events,
        engine,
        registry=REGISTRY,
        node_source=inventory,
        facts_source=world.facts_source if world else None,
        condition_source=world.condition if world else None,
        clock=clock,
    )
    return Harness(dispatcher, engine, clock, runtime)


@pytest.fixture
def harness(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Harness]:
    made = make_harness(tmp_path, migrated_sqlite)
    yield made
    made.runtime.engine.dispose()
