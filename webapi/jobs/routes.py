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

from webapi.core.api_time import ApiTime
from webapi.core.dependencies import JobsDep, RuntimeDep
from webapi.core.errors import ErrorResponse
from webapi.core.runtime import Runtime
from webapi.core.timefmt import naive_utc_now, to_naive_utc
from webapi.jobs import batch, idempotency, intake, labels, service, store
from webapi.jobs.batch import BatchCreate, BatchResult
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


async def _in_session(
    runtime: Runtime, jobs: JobDispatcher, work: Callable[[Session, JobDispatcher], T]
) -> T:
    def run() -> T:
        with runtime.sessions() as session:
            return work(session, jobs)

    return await run_in_threadpool(run)


@router.get("/api/jobs", response_model=JobPage)
async def list_jobs(
    runtime: RuntimeDep,
    jobs: JobsDep,
    *,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    type_: Annotated[str | None, Query(alias="type")] = None,
    node: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the job's name.")] = None,
    created_after: ApiTime | None = None,
    created_before: ApiTime | None = None,
    label: Annotated[
        list[str],
        Query(max_length=labels.MAX_LABELS, description="key=value: only jobs with this label (repeatable)."),
    ] = [],  # noqa: B006 (FastAPI copies the default)
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    order: Annotated[
        store.Order, Query(description="desc (by creation time: newest first) or asc.")
    ] = store.Order.DESC,
    sort: Annotated[
        store.Sort, Query(description="The column to sort by (then the id); jobs without a value come last.")
    ] = store.Sort.CREATED,
) -> Response:
    filters = store.JobFilters(
        status=status_,
        type=type_,
        node=node,
        q=q,
        created_after=to_naive_utc(created_after) if created_after else None,
        created_before=to_naive_utc(created_before) if created_before else None,
        labels=tuple(labels.parse_filters(label).items()),
    )

    def page(session: Session, jobs: JobDispatcher) -> JobPage:
        rows, total = store.list_jobs(session, filters, limit, offset, order, sort=sort)
        items = [jobs.summary(row, JobSummary) for row in rows]
        return JobPage(items=items, total=total, limit=limit, offset=offset)

    return _json(await _in_session(runtime, jobs, page))


_CREATED: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    200: {"description": f"{idempotency.HEADER} seen before: the job(s) it created then"},
    410: {"model": ErrorResponse, "description": f"{idempotency.HEADER} seen before, its job since deleted"},
    422: {"model": ErrorResponse},
}


def _replay_headers(accepted: intake.Accepted) -> dict[str, str]:
    return {"Idempotent-Replayed": "true"} if accepted.replayed else {}


@router.post("/api/jobs", status_code=status.HTTP_201_CREATED, response_model=JobDetail, responses=_CREATED)
async def create_job(
    body: JobCreate, request: Request, jobs: JobsDep, idempotency_key: idempotency.KeyHeader = None
) -> Response:
    claim = idempotency.claim(idempotency_key, request.headers, "POST /api/jobs", body)
    task, params = intake.prepare(jobs.registry, body)
    accepted = await jobs.intake.submit([intake.Spec(task, params, body)], claim)
    job = jobs.summary(accepted.job(), JobDetail)
    code = status.HTTP_200_OK if accepted.replayed else status.HTTP_201_CREATED
    return _json(job, code, {"Location": f"/api/jobs/{job.id}", **_replay_headers(accepted)})


@router.post(
    "/api/jobs/batch", status_code=status.HTTP_201_CREATED, response_model=BatchResult, responses=_CREATED
)
async def create_batch(
    body: BatchCreate,
    request: Request,
    runtime: RuntimeDep,
    jobs: JobsDep,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response:
    """Up to 10,000 jobs in one transaction: all are created, or none (a 422 naming `body.jobs.N.…`)."""
    claim = idempotency.claim(idempotency_key, request.headers, "POST /api/jobs/batch", body)
    specs = await _in_session(runtime, jobs, lambda session, j: batch.specs(session, j.registry, body))
    accepted = await jobs.intake.submit(specs, claim)
    # One validation of the whole list (in pydantic-core), not one call per job.
    result = BatchResult.model_validate({"items": accepted.jobs})
    code = status.HTTP_200_OK if accepted.replayed else status.HTTP_201_CREATED
    return _json(result, code, _replay_headers(accepted))


@router.get("/api/jobs/types", response_model=list[TaskTypeInfo])
async def job_types(jobs: JobsDep) -> Response:
    return Response(jobs.registry.schemas_json(), media_type="application/json")


@router.get("/api/jobs/{job_id}", response_model=JobDetail, responses=_ERRORS)
async def get_job(job_id: JobId, runtime: RuntimeDep, jobs: JobsDep) -> Response:
    def detail(session: Session, jobs: JobDispatcher) -> JobDetail:
        job = service.get_job(session, job_id)
        position = store.queue_position(session, job, naive_utc_now())
        return jobs.summary(job, JobDetail).model_copy(update={"queue_position": position})

    return _json(await _in_session(runtime, jobs, detail))


@router.put("/api/jobs/{job_id}", response_model=JobDetail, responses=_ERRORS)
async def change_job(job_id: JobId, body: JobChange, runtime: RuntimeDep, jobs: JobsDep) -> Response:
    return _json(
        await _in_session(
            runtime, jobs, lambda s, j: j.summary(service.change(s, j, job_id, body), JobDetail)
        )
    )


@router.delete(
    "/api/jobs/{job_id}",
    response_model=JobDetail,
    responses={**_ERRORS, 202: {"model": JobDetail, "description": "Stopping on its node"}},
)
async def cancel_job(job_id: JobId, runtime: RuntimeDep, jobs: JobsDep) -> Response:
    def cancel(session: Session, jobs: JobDispatcher) -> tuple[JobDetail, bool]:
        job, done = service.cancel(session, jobs, job_id)
        return jobs.summary(job, JobDetail), done

    job, done = await _in_session(runtime, jobs, cancel)
    return _json(job, status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED)


@router.post("/api/jobs/{job_id}/retry", response_model=JobDetail, responses=_ERRORS)
async def retry_job(job_id: JobId, runtime: RuntimeDep, jobs: JobsDep) -> Response:
    return _json(
        await _in_session(runtime, jobs, lambda s, j: j.summary(service.retry(s, j, job_id), JobDetail))
    )


@router.get("/api/jobs/{job_id}/logs", response_model=LogPage, responses=_ERRORS)
async def job_logs(
    job_id: JobId,
    runtime: RuntimeDep,
    jobs: JobsDep,
    since: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Only lines after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    def logs(session: Session, _jobs: JobDispatcher) -> LogPage:
        service.get_job(session, job_id)
        lines = [LogLine.model_validate(row) for row in store.logs_since(session, job_id, since, limit)]
        return LogPage(items=lines, next_since=lines[-1].id if lines else since)

    return _json(await _in_session(runtime, jobs, logs))
