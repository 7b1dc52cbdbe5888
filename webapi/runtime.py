"""What one running service holds: settings, database, event bus and its background services.

`create_app` builds one `Runtime` and keeps it on `app.state.runtime`; the lifespan starts the services
in order and stops them in reverse. Routers reach it through `webapi.deps`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from webapi.db.engine import make_engine, make_session_factory
from webapi.events import EventBus
from webapi.settings import Settings

if TYPE_CHECKING:
    from webapi.collection.service import Collector


class BackgroundService(Protocol):
    """A long-running part of the service (collector, job dispatcher…)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class NodeSchedule(Protocol):
    """Whether a node takes new jobs, else why not."""

    @property
    def schedulable(self) -> bool: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def drained(self) -> bool: ...


@dataclass
class Extensions:
    """Hooks other parts fill in to enrich the cluster answers (all optional; unset means `null`).

    - `job_counts()`: job counts by state for `GET /api/cluster/overview` (`jobs`), None before the first
      count.
    - `node_dispy(name)`: the dispy side of a node for the node answers (`dispy`), e.g. cpus and jobs.
    - `node_schedule(name)`: whether the node takes new jobs (`schedulable`, `unschedulable_reason`);
      `refresh_schedule()` brings that up to date at once (after a drain or resume).
    """

    job_counts: Callable[[], dict[str, int] | None] | None = None
    node_dispy: Callable[[str], dict[str, Any] | None] | None = None
    node_schedule: Callable[[str], NodeSchedule | None] | None = None
    refresh_schedule: Callable[[], None] | None = None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    events: EventBus = field(default_factory=EventBus)
    services: list[BackgroundService] = field(default_factory=list)
    extensions: Extensions = field(default_factory=Extensions)
    collector: Collector | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.resolved_database_url)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))
