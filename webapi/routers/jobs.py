"""Job endpoints: submit, list, inspect, change, cancel, retry, logs and the task-type registry.

The endpoints are `async` and do all their database work in one worker-thread call (`_in_session`):
sync dependencies would each cost a thread hop of their own. They answer with the JSON of their model
directly (`_json`): FastAPI would otherwise validate the returned model a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from webapi.api_time import ApiTime
from webapi.errors import ErrorResponse
from webapi.jobs import intake, service, store
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.schemas import (
    JobChange,
    JobCreate,
    JobDetail,
    JobPage,
    JobSummary,
    LogLine,
    LogPage,
    TaskTypeInfo,
    to_naive_utc,
)
from webapi.jobs.states import JobStatus

router = APIRouter(tags=["jobs"])
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}}
T = TypeVar("T")
# Job ids are `integer` keys, 32-bit on PostgreSQL: a larger number is a 422, not a database overflow.
JobId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The job's id.")]
# Offsets and log ids beyond a signed 64-bit integer cannot be bound by either database: a 422.
MAX_BIGINT = 2**63 - 1


def _json(model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The model as the answer; `response_model` still documents it, without a second validation."""
    return Response(model.model_dump_json(), status_code, headers, media_type="application/json")


def _dispatcher(request: Request) -> JobDispatcher:
    dispatcher: JobDispatcher = request.app.state.jobs
    return dispatcher


async def _in_session(request: Request, work: Callable[[Session, JobDispatcher], T]) -> T:
    runtime, dispatcher = request.app.state.runtime, _dispatcher(request)

    def run() -> T:
        with runtime.sessions() as session:
            return work(session, dispatcher)

    return await run_in_threadpool(run)


@router.get("/api/jobs", response_model=JobPage)
async def list_jobs(
    request: Request,
    *,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    type_: Annotated[str | None, Query(alias="type")] = None,
    node: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the job's name.")] = None,
    created_after: ApiTime | None = None,
    created_before: ApiTime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    order: Annotated[
        store.Order, Query(description="By creation time: desc (newest first) or asc.")
    ] = store.Order.DESC,
) -> Response:
    filters = store.JobFilters(
        status=status_,
        type=type_,
        node=node,
        q=q,
        created_after=to_naive_utc(created_after) if created_after else None,
        created_before=to_naive_utc(created_before) if created_before else None,
    )

    def page(session: Session, jobs: JobDispatcher) -> JobPage:
        rows, total = store.list_jobs(session, filters, limit, offset, order)
        items = [jobs.summary(row, JobSummary) for row in rows]
        return JobPage(items=items, total=total, limit=limit, offset=offset)

    return _json(await _in_session(request, page))


@router.post("/api/jobs", status_code=status.HTTP_201_CREATED, response_model=JobDetail, responses=_ERRORS)
async def create_job(body: JobCreate, request: Request) -> Response:
    jobs = _dispatcher(request)
    task, params = intake.prepare(jobs.registry, body)
    job = jobs.summary(await jobs.intake.submit(task, params, body), JobDetail)
    return _json(job, status.HTTP_201_CREATED, {"Location": f"/api/jobs/{job.id}"})


@router.get("/api/jobs/types", response_model=list[TaskTypeInfo])
async def job_types(request: Request) -> Response:
    return Response(_dispatcher(request).registry.schemas_json(), media_type="application/json")


@router.get("/api/jobs/{job_id}", response_model=JobDetail, responses=_ERRORS)
async def get_job(job_id: JobId, request: Request) -> Response:
    return _json(await _in_session(request, lambda s, j: j.summary(service.get_job(s, job_id), JobDetail)))


@router.put("/api/jobs/{job_id}", response_model=JobDetail, responses=_ERRORS)
async def change_job(job_id: JobId, body: JobChange, request: Request) -> Response:
    return _json(
        await _in_session(request, lambda s, j: j.summary(service.change(s, j, job_id, body), JobDetail))
    )


@router.delete(
    "/api/jobs/{job_id}",
    response_model=JobDetail,
    responses={**_ERRORS, 202: {"model": JobDetail, "description": "Stopping on its node"}},
)
async def cancel_job(job_id: JobId, request: Request) -> Response:
    def cancel(session: Session, jobs: JobDispatcher) -> tuple[JobDetail, bool]:
        job, done = service.cancel(session, jobs, job_id)
        return jobs.summary(job, JobDetail), done

    job, done = await _in_session(request, cancel)
    return _json(job, status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)


@router.post("/api/jobs/{job_id}/retry", response_model=JobDetail, responses=_ERRORS)
async def retry_job(job_id: JobId, request: Request) -> Response:
    return _json(await _in_session(request, lambda s, j: j.summary(service.retry(s, j, job_id), JobDetail)))


@router.get("/api/jobs/{job_id}/logs", response_model=LogPage, responses=_ERRORS)
async def job_logs(
    job_id: JobId,
    request: Request,
    since: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Only lines after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    def logs(session: Session, _jobs: JobDispatcher) -> LogPage:
        service.get_job(session, job_id)
        lines = [LogLine.model_validate(row) for row in store.logs_since(session, job_id, since, limit)]
        return LogPage(items=lines, next_since=lines[-1].id if lines else since)

    return _json(await _in_session(request, logs))
