"""What the job endpoints do, apart from HTTP: change, cancel, retry, reads (submission: `intake`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from webapi.core.domain_errors import ConflictError, NotFoundError
from webapi.core.timefmt import to_naive_utc
from webapi.jobs import metrics, store
from webapi.jobs.dispatcher import JobDispatcher
from webapi.jobs.schemas import JobChange
from webapi.jobs.states import ACTIVE, RETRYABLE, JobStatus, can_transition
from webapi.jobs.tables import Job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"Unknown job {job_id}")
    return job


def change(session: Session, dispatcher: JobDispatcher, job_id: int, body: JobChange) -> Job:
    job = get_job(session, job_id)
    if job.status != JobStatus.QUEUED:
        raise ConflictError(f"Job {job_id} is {job.status}: only a queued job can be changed")
    for name, value in body.model_dump(exclude_unset=True).items():
        if name == "scheduled_at":
            job.scheduled_at = to_naive_utc(value) if value else None
        elif value is not None:
            setattr(job, name, value)
    with store.write_lock:
        session.commit()
    dispatcher.publish(job)
    dispatcher.wake()
    return job


def cancel(session: Session, dispatcher: JobDispatcher, job_id: int) -> tuple[Job, bool]:
    """Returns the job and whether it is already cancelled (else its node is stopping it)."""
    job = get_job(session, job_id)
    with store.write_lock:
        cancelled = job.status == JobStatus.QUEUED and store.cancel_if_queued(session, job)
        session.commit()
    if cancelled:
        metrics.JOBS_ENDED.labels(job.type, JobStatus.CANCELLED.value, "").inc()
        dispatcher.publish(job)
        return job, True
    if job.status not in ACTIVE:
        raise ConflictError(f"Job {job_id} is {job.status}: it is not queued or running")
    job.cancel_requested = True
    # Under the lock: the dispatcher, which saves its own copy of a running job, sees the request in
    # the same step as the flag (see `JobDispatcher._take_cancels`).
    with store.write_lock:
        session.commit()
        dispatcher.request_cancel(job.id)
    dispatcher.publish(job)
    return job, False


def retry(session: Session, dispatcher: JobDispatcher, job_id: int) -> Job:
    job = get_job(session, job_id)
    if job.status not in RETRYABLE or not can_transition(JobStatus(job.status), JobStatus.QUEUED):
        raise ConflictError(
            f"Job {job_id} is {job.status}: only a failed, cancelled, timed-out or lost job can be retried",
        )
    store.transition(job, JobStatus.QUEUED)
    job.scheduled_at = None
    job.error = None
    with store.write_lock:
        session.commit()
    metrics.JOB_RETRIES.labels(job.type).inc()
    dispatcher.publish(job)
    dispatcher.wake()
    return job
