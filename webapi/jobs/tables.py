"""The `jobs`, `job_logs`, `job_counts` and `idempotency_keys` tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from webapi.core.db.base import Base
from webapi.jobs.states import JobStatus


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    # Times are naive UTC in the database; the API renders them with a Z.
    created_at: Mapped[datetime] = mapped_column(DateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_retries: Mapped[int] = mapped_column(Integer, default=1)
    timeout_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    progress_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    result: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    log_bytes: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # `{"nodes": [...], "labels": {...}}` (webapi.jobs.placement_spec; dispatched by
    # webapi.jobs.dispatch.placement) or null: any node.
    placement: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # What the run cost its node(s), from the collected data; None: unknown.
    peak_temperature_celsius: Mapped[float | None] = mapped_column(Float, nullable=True)
    throttled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    __table_args__ = (
        Index("ix_jobs_status_created", "status", "created_at", "id"),
        Index("ix_jobs_type_created", "type", "created_at", "id"),
        Index("ix_jobs_node_created", "node", "created_at", "id"),
        Index("ix_jobs_created_at", "created_at", "id"),
        # Descending priority like the queue's ORDER BY: else every step sorts all queued jobs.
        Index("ix_jobs_queue", "status", text("priority DESC"), "id"),
    )


class JobLog(Base):
    __tablename__ = "job_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)
    stream: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # Which attempt of the job wrote the line (0: written before attempts were recorded, 0004_live_output).
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_job_logs_job_id_id", "job_id", "id"),)


class JobCount(Base):
    """Jobs per state, kept by triggers on `jobs` (0003_jobs): list totals without counting every row."""

    __tablename__ = "job_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


IDEMPOTENCY_KEY_MAX = 128


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    job_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)
