"""FastAPI dependencies: the runtime, a database session per request and the feature handles.

The only module that reads `app.state`: routers declare what they need through these. The ones that do
no I/O are `async` so that FastAPI runs them on the event loop, not on a worker thread each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from fastapi.requests import HTTPConnection
from sqlalchemy.orm import Session

from webapi.core.errors import ApiError
from webapi.core.runtime import Runtime

if TYPE_CHECKING:
    from webapi.access.service import TokenDirectory
    from webapi.jobs.dispatcher import JobDispatcher
    from webapi.monitoring.collector import Collector
    from webapi.wheelhouse.index import Wheelhouse


async def get_runtime(connection: HTTPConnection) -> Runtime:
    """The runtime, for HTTP requests and WebSockets alike."""
    runtime: Runtime = connection.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


def _not_installed(what: str) -> ApiError:
    return ApiError(503, f"The {what} is not running in this process")


async def get_collector(runtime: RuntimeDep) -> Collector:
    if runtime.monitoring is None:
        raise _not_installed("collector")
    return runtime.monitoring


async def get_jobs(runtime: RuntimeDep) -> JobDispatcher:
    if runtime.jobs is None:
        raise _not_installed("job dispatcher")
    return runtime.jobs


async def get_wheelhouse(runtime: RuntimeDep) -> Wheelhouse:
    if runtime.wheelhouse is None:
        raise _not_installed("wheelhouse")
    return runtime.wheelhouse


async def get_token_directory(runtime: RuntimeDep) -> TokenDirectory:
    if runtime.tokens is None:
        raise _not_installed("token directory")
    return runtime.tokens


SessionDep = Annotated[Session, Depends(get_session)]
CollectorDep = Annotated["Collector", Depends(get_collector)]
JobsDep = Annotated["JobDispatcher", Depends(get_jobs)]
WheelhouseDep = Annotated["Wheelhouse", Depends(get_wheelhouse)]
TokenDirectoryDep = Annotated["TokenDirectory", Depends(get_token_directory)]
