"""Submissions: checked on the event loop, written by one thread in batches.

Concurrent `POST /api/jobs` calls share one transaction and one commit: the writer takes every
submission waiting in its queue, runs the types' `check` hooks, inserts the accepted ones with one
statement and answers each request through its future. A job is committed before anyone sees its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from webapi.errors import ApiError, FieldError, validation_fields
from webapi.inventory.table import NodeRow
from webapi.jobs import store
from webapi.jobs.dispatch.placement import Placement, unknown_nodes
from webapi.jobs.models import Job
from webapi.jobs.registry import Registry, TaskType
from webapi.jobs.schemas import JobCreate, to_naive_utc
from webapi.jobs.states import JobStatus
from webapi.settings import Settings

log = logging.getLogger(__name__)

BATCH_MAX = 256
_INSERT = insert(Job).returning(Job.id, sort_by_parameter_order=True)


def prepare(registry: Registry, body: JobCreate) -> tuple[TaskType, BaseModel]:
    """The type and its validated parameters, or a 422 naming the fields."""
    task = registry.get(body.type)
    if task is None:
        message = f"Unknown job type {body.type!r}; known types: {', '.join(registry.names()) or 'none'}"
        raise ApiError(422, message, [FieldError(loc="body.type", message=message)])
    try:
        params = task.parameters.model_validate(body.parameters)
    except ValidationError as exc:
        fields = validation_fields([{**e, "loc": ("body", "parameters", *e["loc"])} for e in exc.errors()])
        summary = "; ".join(f"{f.loc}: {f.message}" for f in fields)
        raise ApiError(422, f"Invalid parameters for {body.type}: {summary}", fields) from None
    return task, params


def check_placement(body: JobCreate, session: Session) -> None:
    """A 422 naming the placement's node names the inventory does not have."""
    if body.placement is None or not body.placement.nodes:
        return
    known = session.scalars(select(NodeRow.name).where(NodeRow.removed.is_(False))).all()
    unknown = unknown_nodes(Placement(frozenset(body.placement.nodes)), known)
    if unknown:
        message = f"Unknown node in placement: {', '.join(unknown)} (not in the inventory)"
        raise ApiError(422, message, [FieldError(loc="body.placement.nodes", message=message)])


def job_values(body: JobCreate, params: BaseModel) -> dict[str, Any]:
    return {
        "name": body.name,
        "type": body.type,
        "parameters": params.model_dump(mode="json"),
        "status": JobStatus.QUEUED.value,
        "priority": body.priority,
        "created_at": store.naive_utc_now(),
        "scheduled_at": to_naive_utc(body.scheduled_at) if body.scheduled_at else None,
        "timeout_s": body.timeout_s,
        "max_retries": body.max_retries,
        "attempts": 0,
        "progress": 0.0,
        "cancel_requested": False,
        "log_bytes": 0,
        "placement": body.placement.model_dump() if body.placement is not None else None,
    }


@dataclass
class Submission:
    task: TaskType
    params: BaseModel
    body: JobCreate
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Job]


def _settle(future: asyncio.Future[Job], job: Job | None, error: BaseException | None) -> None:
    if future.done():  # the client went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(job)  # type: ignore[arg-type]


class Intake:
    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        on_created: Callable[[list[Job]], None],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._on_created = on_created
        self._queue: SimpleQueue[Submission | None] = SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jobs-intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)

    async def submit(self, task: TaskType, params: BaseModel, body: JobCreate) -> Job:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Job] = loop.create_future()
        self._queue.put(Submission(task, params, body, loop, future))
        return await future

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            with contextlib.suppress(Empty):
                while len(batch) < BATCH_MAX:
                    item = self._queue.get_nowait()
                    if item is None:
                        self._write(batch)
                        return
                    batch.append(item)
            self._write(batch)

    def _write(self, batch: list[Submission]) -> None:
        """One transaction for the batch; a submission that fails alone is answered alone, and every
        submission is answered (a future left unsettled would hang its request and shutdown)."""
        accepted: list[tuple[Submission, dict[str, Any]]] = []
        try:
            with store.write_lock, self._sessions() as session:
                for item in batch:
                    try:
                        check_placement(item.body, session)
                        if item.task.check is not None:
                            item.task.check(item.params, session, self._settings)
                        values = job_values(item.body, item.params)
                    except Exception as exc:
                        if not isinstance(exc, ApiError):
                            log.exception("checking a submitted %s job failed", item.body.type)
                        item.loop.call_soon_threadsafe(_settle, item.future, None, exc)
                        continue
                    accepted.append((item, values))
                if not accepted:
                    return
                ids = (
                    session.connection().execute(_INSERT, [values for _, values in accepted]).scalars().all()
                )
                session.commit()
        except Exception as exc:
            log.exception("writing %d submitted jobs failed", len(accepted))
            for item in batch:
                item.loop.call_soon_threadsafe(_settle, item.future, None, exc)
            return
        jobs = [Job(id=job_id, **values) for (_item, values), job_id in zip(accepted, ids, strict=True)]
        for (item, _values), job in zip(accepted, jobs, strict=True):
            item.loop.call_soon_threadsafe(_settle, item.future, job, None)
        self._on_created(jobs)
