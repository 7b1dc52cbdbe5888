"""What one running service holds: settings, database, the clock, the event bus, its background services
and one typed handle per feature.

`create_app` builds one `Runtime` and keeps it on `app.state.runtime`; the lifespan starts the services
in order and stops them in reverse. Routers reach it, and the feature handles, through
`webapi.core.dependencies`. Each feature's `wiring.py` sets its handle; a handle left at None means the
feature is not installed in this runtime (some tests build a bare one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from webapi.core.db.engine import make_engine, make_session_factory
from webapi.core.events import EventBus
from webapi.core.health import PartHealth
from webapi.core.settings import Settings

if TYPE_CHECKING:
    from webapi.access.service import TokenDirectory
    from webapi.audit.service import AuditLog
    from webapi.jobs.dispatcher import JobDispatcher
    from webapi.monitoring.collector import Collector
    from webapi.wheelhouse.index import Wheelhouse


class BackgroundService(Protocol):
    """A long-running part of the service (the collector, the job dispatcher…).

    `probe()` is its health hook: how it is now, as one of the overview's parts, or None when it has no
    health of its own to report. A probe that raises shows its part as down.
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def probe(self) -> PartHealth | None: ...


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    events: EventBus = field(default_factory=EventBus)
    services: list[BackgroundService] = field(default_factory=list)
    # The service's one clock (unix seconds): what "now" is for every answer; tests may replace it.
    clock: Callable[[], float] = time.time
    # The feature handles.
    monitoring: Collector | None = None
    jobs: JobDispatcher | None = None
    wheelhouse: Wheelhouse | None = None
    tokens: TokenDirectory | None = None
    audit: AuditLog | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.resolved_database_url)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))
