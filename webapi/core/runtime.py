"""What one running service holds: settings, database, event bus and its background services.

`create_app` builds one `Runtime` and keeps it on `app.state.runtime`; the lifespan starts the services
in order and stops them in reverse. Routers reach it through `webapi.core.dependencies`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from webapi.core.db.engine import make_engine, make_session_factory
from webapi.core.events import EventBus
from webapi.core.settings import Settings

if TYPE_CHECKING:
    from webapi.monitoring.collector import Collector


class BackgroundService(Protocol):
    """A long-running part of the service (collector, job dispatcher…)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Extensions:
    """Hooks other parts fill in to enrich the cluster answers (all optional; unset means `null`).

    - `job_counts()`: job counts by state for `GET /api/cluster/overview` (`jobs`), None before the first
      count.
    - `node_dispy(name)`: the dispy side of a node for the node answers (`dispy`), e.g. cpus and jobs.
    """

    job_counts: Callable[[], dict[str, int] | None] | None = None
    node_dispy: Callable[[str], dict[str, Any] | None] | None = None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    events: EventBus = field(default_factory=EventBus)
    services: list[BackgroundService] = field(default_factory=list)
    extensions: Extensions = field(default_factory=Extensions)
    collector: Collector | None = None
    # The service's one clock (unix seconds): what "now" is for every answer; tests may replace it.
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.resolved_database_url)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))
